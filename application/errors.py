"""Application errors: what a use case refuses, independent of how it is shown.

Tree::

    ApplicationError
    ├── NotFound
    │   ├── AgentNotFound            no agent with that id (in the caller's view)
    │   ├── CredentialNotFound       no such credential on that agent
    │   ├── AuditEventNotFound       no such audit event (or outside retention)
    │   ├── OrganizationNotFound     no such organization (or one the caller may not see)
    │   ├── FederationPartnerNotFound no such federation partner
    │   ├── MemberNotFound           the agent is not a member of that organization
    │   └── DelegationNotFound       no such delegation chain (in the caller's organization)
    ├── Conflict
    │   ├── AgentAlreadyExists       email already registered
    │   ├── OrganizationSlugTaken
    │   ├── FederationPartnerConflict another partner already has this issuer
    │   ├── AlreadyMember            the agent is already a member of the organization
    │   └── ConcurrentUpdate         a stale revision lost an optimistic-locking race
    ├── Unauthenticated              no valid bearer token (missing, bad, expired, revoked)
    ├── InvalidClient                client authentication failed (one answer for every cause)
    ├── AgentNotPermitted            the client authenticated but its agent may not get tokens
    ├── Forbidden
    │   ├── TenantMismatch           another organization's resource, or no organization claim
    │   ├── InsufficientScope        the caller's token lacks the scope the operation needs
    │   ├── NotResourceOwner         acting on an agent/token that is neither yours nor admin'd
    │   ├── NotPlatformAdmin         an organization operation reserved to platform administrators
    │   ├── OperatorOnlyScope        granting a scope only the local operator may grant
    │   ├── PolicyDenied             the policy decision point refused the request
    │   └── TierLimitExceeded        the organization's plan does not allow more
    │       ├── AgentLimitReached    its agents limit is reached
    │       └── TokenQuotaExhausted  its monthly token quota is used up
    ├── RateLimitExceeded            too many requests in the sliding window
    ├── RetentionWindowExceeded      an audit query reaches outside the retention window
    ├── InvalidRequest               a request is well-formed JSON but semantically wrong
    │   └── DelegationNotAuthorized  no active delegation chain backs a token exchange
    ├── BackendUnavailable           a store the operation needs is down
    │   └── PolicyUnavailable        the policy decision point cannot evaluate (fail closed)
    ├── JwksUnreachable              a federation partner's jwks_uri cannot be fetched (422)
    ├── FederatedTokenRejected       POST /federation/verify refuses a token (422)
    │   ├── UnknownFederationIssuer, FederationPartnerSuspended, FederationPartnerExpired
    │   └── FederationOrgNotAllowed, FederatedTokenExpired, FederatedTokenInvalid
    ├── OidcTokenInvalid             a GitHub OIDC token failed verification (401)
    │   └── OidcTokenExpired
    ├── (Forbidden) NoMatchingTrustPolicy, TrustPolicyBranchMismatch, LinkedAgentSuspended,
    │   LinkedAgentDecommissioned; (NotFound) TrustPolicyNotFound; (Conflict)
    │   TrustPolicyConflict; (BackendUnavailable) OidcIssuerUnavailable
    ├── MigrationError               a schema migration failed (nothing of that file applied)
    └── KeyMaterialError             signing keys cannot be loaded or stored safely
"""

from __future__ import annotations


class ApplicationError(Exception):
    """Base of every refusal a use case can give."""

    code = "APPLICATION_ERROR"
    default_message = "The request could not be completed."

    def __init__(self, message: str | None = None, **details: object) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)
        self.details = details


class NotFound(ApplicationError):
    """The resource does not exist."""

    code = "NOT_FOUND"
    default_message = "The requested resource was not found."


class AgentNotFound(NotFound):
    """No agent has this id."""

    code = "AGENT_NOT_FOUND"
    default_message = "Agent not found."


class CredentialNotFound(NotFound):
    """The agent has no credential with this id."""

    code = "CREDENTIAL_NOT_FOUND"
    default_message = "Credential not found."


class AuditEventNotFound(NotFound):
    """No audit event with this id inside the retention window."""

    code = "AUDIT_EVENT_NOT_FOUND"
    default_message = "Audit event not found."


class OrganizationNotFound(NotFound):
    """No organization has this id or slug."""

    code = "ORG_NOT_FOUND"
    default_message = "Organization with the specified ID was not found."


class MemberNotFound(NotFound):
    """The agent is not a member of the organization."""

    code = "MEMBER_NOT_FOUND"
    default_message = "The agent is not a member of this organization."


class DelegationNotFound(NotFound):
    """No delegation chain with that id in the caller's organization."""

    code = "DELEGATION_NOT_FOUND"
    default_message = "Delegation chain with the specified ID was not found."


class Conflict(ApplicationError):
    """The change conflicts with the current state."""

    code = "CONFLICT"
    default_message = "The request conflicts with the current state."


class AgentAlreadyExists(Conflict):
    """An agent with this email is already registered (emails are unique across the IdP)."""

    code = "AGENT_ALREADY_EXISTS"
    default_message = "An agent with this email already exists."


class OrganizationSlugTaken(Conflict):
    """Another organization already uses this slug."""

    code = "ORG_SLUG_CONFLICT"
    default_message = "An organization with this slug already exists."


class AlreadyMember(Conflict):
    """The agent already has a membership in the organization."""

    code = "ALREADY_MEMBER"
    default_message = "The agent is already a member of this organization."


class ConcurrentUpdate(Conflict):
    """Someone else changed the record first; the operation may be retried."""

    code = "CONCURRENT_UPDATE"
    default_message = "The resource was changed concurrently; retry the request."


class Unauthenticated(ApplicationError):
    """No valid bearer token: missing, malformed, badly signed, expired or revoked."""

    code = "UNAUTHORIZED"
    default_message = "A valid Bearer token is required to access this resource."


class InvalidClient(ApplicationError):
    """Client authentication failed. Unknown client, wrong secret, revoked or expired
    credential all raise this with the same message (no client-id enumeration)."""

    code = "invalid_client"
    default_message = "Client authentication failed."


class AgentNotPermitted(ApplicationError):
    """The client proved its secret, but its agent or organization is not active."""

    code = "unauthorized_client"
    default_message = "The client is not allowed to obtain tokens."


class Forbidden(ApplicationError):
    """The caller is authenticated but may not do this."""

    code = "FORBIDDEN"
    default_message = "You do not have permission to perform this action."


class TenantMismatch(Forbidden):
    """The resource belongs to another organization, or the token names no organization."""

    code = "AUTHORIZATION_ERROR"
    default_message = "You do not have permission to access this resource."


class InsufficientScope(Forbidden):
    """The caller's token does not carry the scope the operation requires."""

    code = "INSUFFICIENT_SCOPE"
    default_message = "The access token does not carry the scope this operation requires."


class NotResourceOwner(Forbidden):
    """Acting on another agent's credentials or tokens without administrator scope."""

    code = "FORBIDDEN"
    default_message = "Only the agent itself or an organization administrator may do this."


class NotPlatformAdmin(Forbidden):
    """Creating, deleting, suspending or re-tiering organizations (and creating their first
    administrator) needs a platform administrator (scope ``admin:platform``)."""

    code = "FORBIDDEN"
    default_message = "Only a platform administrator may do this."


class OperatorOnlyScope(Forbidden):
    """An API caller tried to grant a scope only the local operator may grant
    (``OPERATOR_ONLY_SCOPES``, e.g. ``admin:platform``)."""

    code = "INSUFFICIENT_SCOPE"
    default_message = (
        "This scope can only be granted by the local operator "
        "(agentidp bootstrap --platform-admin)."
    )


class PolicyDenied(Forbidden):
    """The policy decision point refused the request (role, tenant or a policy-only rule);
    the message is the policy's reason."""

    code = "AUTHORIZATION_ERROR"
    default_message = "You do not have permission to perform this action."


class TierLimitExceeded(Forbidden):
    """The organization's plan tier (or its override) does not allow this any more."""

    code = "FREE_TIER_LIMIT_EXCEEDED"
    default_message = "The organization has reached a limit of its plan."


class AgentLimitReached(TierLimitExceeded):
    """Registering one more agent would exceed the organization's agents limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"The organization's limit of {limit} registered agents has been reached.",
            limit=limit,
        )


class TokenQuotaExhausted(TierLimitExceeded):
    """The organization has used up its access tokens for this calendar month."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"The organization's quota of {limit} tokens per month has been reached.",
            limit=limit,
        )


class RateLimitExceeded(ApplicationError):
    """The caller (a client or an IP address) sent more requests than its sliding window
    allows; ``retry_after`` says when one more will fit."""

    code = "RATE_LIMIT_EXCEEDED"
    default_message = "Too many requests. Please retry after the rate limit window resets."

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after


class RetentionWindowExceeded(ApplicationError):
    """An audit query asks for events older than the retention window."""

    code = "RETENTION_WINDOW_EXCEEDED"
    default_message = "The requested range reaches outside the audit retention window."


class InvalidRequest(ApplicationError):
    """The request is syntactically fine but semantically invalid."""

    code = "VALIDATION_ERROR"
    default_message = "The request is invalid."


class DelegationNotAuthorized(InvalidRequest):
    """RFC 8693 delegation exchange: the tokens are not usable, or no active delegation
    chain lets the actor act for the subject with the requested scope (RFC 8693 §2.2.2:
    ``invalid_request``)."""

    default_message = "No active delegation authorises this actor to act for this subject."


class BackendUnavailable(ApplicationError):
    """A store or service the operation depends on is unreachable; nothing was changed."""

    code = "SERVICE_UNAVAILABLE"
    default_message = "A backing service is unavailable. Please retry shortly."


class PolicyUnavailable(BackendUnavailable):
    """The policy decision point could not evaluate a request (policy broken, OPA down or
    too slow, malformed answer): the request is refused, never allowed (fail closed)."""

    default_message = "Authorization is temporarily unavailable. Please retry shortly."


class MigrationError(ApplicationError):
    """A schema migration failed; nothing of that migration was applied. The message names
    the file."""

    code = "MIGRATION_FAILED"
    default_message = "A schema migration failed."


class KeyMaterialError(ApplicationError):
    """Signing keys cannot be loaded or stored safely (unreadable, malformed, or readable by
    others); the message says what to fix."""

    code = "KEY_STORE_ERROR"
    default_message = "The signing keys cannot be loaded safely."


# --- federation partners (docs/federation.md) ----------------------------------------------


class FederationPartnerNotFound(NotFound):
    """No federation partner has this id."""

    code = "FEDERATION_PARTNER_NOT_FOUND"
    default_message = "Federation partner with the specified ID was not found."


class FederationPartnerConflict(Conflict):
    """Another federation partner already has this issuer."""

    code = "FEDERATION_PARTNER_CONFLICT"
    default_message = "A federation partner with this issuer is already registered."


class JwksUnreachable(ApplicationError):
    """A partner's ``jwks_uri`` could not be fetched, or did not hold a usable key set, when
    it was registered or changed (422)."""

    code = "JWKS_UNREACHABLE"
    default_message = "The partner JWKS endpoint is unreachable. Verify the URL and try again."


class FederatedTokenRejected(ApplicationError):
    """Base of every refusal of ``POST /federation/verify`` (422): the token is well-formed
    enough to be examined but is not accepted."""

    code = "FEDERATION_TOKEN_INVALID"
    default_message = "The federated token could not be verified."


class UnknownFederationIssuer(FederatedTokenRejected):
    """No registered partner has the token's issuer (or it differs from ``expected_issuer``)."""

    code = "UNKNOWN_FEDERATION_ISSUER"
    default_message = "No active federation partner found for this token issuer."


class FederationPartnerSuspended(FederatedTokenRejected):
    """The token's partner is suspended."""

    code = "FEDERATION_PARTNER_SUSPENDED"
    default_message = "The federation partner for this token issuer is suspended."


class FederationPartnerExpired(FederatedTokenRejected):
    """The token's partner has expired (status ``expired`` or ``expires_at`` passed)."""

    code = "FEDERATION_PARTNER_EXPIRED"
    default_message = "The federation partner for this token issuer has expired."


class FederationOrgNotAllowed(FederatedTokenRejected):
    """The token's ``organization_id`` is not in the partner's ``allowed_organizations``."""

    code = "FEDERATION_ORG_NOT_ALLOWED"
    default_message = (
        "The token's organization_id is not in the partner's allowed_organizations list."
    )


class FederatedTokenExpired(FederatedTokenRejected):
    """The federated token's ``exp`` has passed."""

    code = "FEDERATION_TOKEN_EXPIRED"
    default_message = "The federated token has expired."


class FederatedTokenInvalid(FederatedTokenRejected):
    """The federated token is malformed, its signature or algorithm is refused, or a claim
    check other than expiry and organization failed."""

    code = "FEDERATION_TOKEN_INVALID"
    default_message = "The federated token is invalid."


# --- GitHub Actions OIDC exchange and trust policies (docs/oidc-github.md) -----------------


class TrustPolicyNotFound(NotFound):
    """No trust policy has this id in the caller's organization (404)."""

    code = "TRUST_POLICY_NOT_FOUND"
    default_message = "Trust policy with the specified ID was not found."


class TrustPolicyConflict(Conflict):
    """The organization already has a policy with exactly these conditions (409)."""

    code = "TRUST_POLICY_CONFLICT"
    default_message = "A trust policy for this repository and branch already exists."


class OidcTokenInvalid(ApplicationError):
    """A GitHub OIDC token failed verification: signature, algorithm, key, issuer, audience,
    age, claims table, or an already used ``jti`` (401). The precise reason is audited only."""

    code = "OIDC_TOKEN_INVALID"
    default_message = "The provided GitHub OIDC token is invalid."


class OidcTokenExpired(OidcTokenInvalid):
    """A GitHub OIDC token's ``exp`` has passed (401)."""

    code = "OIDC_TOKEN_EXPIRED"
    default_message = "The provided GitHub OIDC token has expired."


class OidcIssuerUnavailable(BackendUnavailable):
    """The OIDC issuer's discovery document or key set cannot be fetched (503); not the
    token's fault, so it is never answered as an invalid token."""

    code = "SERVICE_UNAVAILABLE"
    default_message = "The OIDC issuer's keys cannot be fetched right now."


class NoMatchingTrustPolicy(Forbidden):
    """A valid GitHub token matches no trust policy (for the requested agent, or no bootstrap
    policy without one) (403)."""

    code = "TRUST_POLICY_NOT_FOUND"
    default_message = "No trust policy matches the provided OIDC token claims."


class TrustPolicyBranchMismatch(Forbidden):
    """The only policies for the token's repository require another branch (403); details
    carry ``allowed`` and ``provided``."""

    code = "TRUST_POLICY_BRANCH_MISMATCH"
    default_message = "The token's branch does not match the trust policy constraint."


class LinkedAgentSuspended(Forbidden):
    """The agent a matching trust policy binds is suspended (403)."""

    code = "AGENT_SUSPENDED"
    default_message = "The agent linked to this trust policy is currently suspended."


class LinkedAgentDecommissioned(Forbidden):
    """The agent a matching trust policy binds is decommissioned (403)."""

    code = "AGENT_DECOMMISSIONED"
    default_message = "The agent linked to this trust policy is decommissioned."


class InvalidTarget(InvalidRequest):
    """RFC 8693 §2.2.2: a token exchange names an ``audience`` or ``resource`` we cannot
    issue tokens for (only this deployment's own audience is served)."""

    code = "invalid_target"
    default_message = "Tokens can only be issued for this server's audience."


class UnsupportedTokenType(InvalidRequest):
    """A token exchange with a ``subject_token_type`` / ``actor_token`` combination, or a
    ``requested_token_type``, that no exchange handler serves."""

    code = "VALIDATION_ERROR"
    default_message = "This token exchange is not supported."
