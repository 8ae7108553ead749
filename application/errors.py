"""Application errors: what a use case refuses, independent of how it is shown.

Tree::

    ApplicationError
    ├── NotFound
    │   ├── AgentNotFound            no agent with that id (in the caller's view)
    │   ├── CredentialNotFound       no such credential on that agent
    │   ├── AuditEventNotFound       no such audit event (or outside retention)
    │   ├── OrganizationNotFound     no such organization (or one the caller may not see)
    │   └── MemberNotFound           the agent is not a member of that organization
    ├── Conflict
    │   ├── AgentAlreadyExists       email already registered
    │   ├── OrganizationSlugTaken
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
    ├── BackendUnavailable           a store the operation needs is down
    │   └── PolicyUnavailable        the policy decision point cannot evaluate (fail closed)
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
