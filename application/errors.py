"""Application errors: what a use case refuses, independent of how it is shown.

Tree::

    ApplicationError
    ├── NotFound
    │   ├── AgentNotFound            no agent with that id (in the caller's view)
    │   ├── CredentialNotFound       no such credential on that agent
    │   ├── AuditEventNotFound       no such audit event (or outside retention)
    │   └── OrganizationNotFound
    ├── Conflict
    │   ├── AgentAlreadyExists       email already registered
    │   ├── OrganizationSlugTaken
    │   └── ConcurrentUpdate         a stale revision lost an optimistic-locking race
    ├── Unauthenticated              no valid bearer token (missing, bad, expired, revoked)
    ├── InvalidClient                client authentication failed (one answer for every cause)
    ├── AgentNotPermitted            the client authenticated but its agent may not get tokens
    ├── Forbidden
    │   ├── TenantMismatch           another organization's resource, or no organization claim
    │   ├── InsufficientScope        the caller's token lacks the scope the operation needs
    │   └── NotResourceOwner         acting on an agent/token that is neither yours nor admin'd
    ├── RetentionWindowExceeded      an audit query reaches outside the retention window
    ├── InvalidRequest               a request is well-formed JSON but semantically wrong
    ├── BackendUnavailable           a store the operation needs is down
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
    default_message = "Organization not found."


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
