"""Domain errors: a broken business rule, carrying the data that explains it.

Tree::

    DomainError
    ├── InvalidValue            a field fails its format or range rule
    ├── InvalidScope            a scope string is malformed or unknown
    ├── ScopeNotGranted         requested scopes exceed what is granted
    ├── ImmutableField          an immutable agent field was asked to change
    ├── AgentDecommissioned     the agent is decommissioned (terminal)
    ├── AgentAlreadyDecommissioned
    ├── InvalidTransition       a lifecycle transition the state machine forbids
    ├── AgentNotActive          the agent must be active for this operation
    └── CredentialAlreadyRevoked
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every business-rule violation."""

    code = "VALIDATION_ERROR"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidValue(DomainError):
    """A field's value breaks its format or range rule."""

    code = "VALIDATION_ERROR"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", field=field, reason=reason)
        self.field = field
        self.reason = reason


class InvalidScope(DomainError):
    """A scope string is malformed (RFC 6749 §3.3) or names no known scope."""

    code = "invalid_scope"

    def __init__(self, scope: str) -> None:
        super().__init__(f"Unknown or malformed scope: {scope!r}.", scope=scope)
        self.scope = scope


class ScopeNotGranted(DomainError):
    """Requested scopes are not a subset of the scopes the holder was granted."""

    code = "invalid_scope"

    def __init__(self, requested: frozenset[str], available: frozenset[str]) -> None:
        super().__init__(
            "The requested scope exceeds the scope granted.",
            requested=sorted(requested),
            available=sorted(available),
        )
        self.requested = requested
        self.available = available


class ImmutableField(DomainError):
    """An agent's id, email, organization or creation time was asked to change."""

    code = "VALIDATION_ERROR"

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} is immutable.", field=field, reason="immutable")
        self.field = field


class AgentDecommissioned(DomainError):
    """The agent is decommissioned: a terminal state that accepts no further change."""

    code = "AGENT_DECOMMISSIONED"

    def __init__(self, agent_id: str) -> None:
        super().__init__("The agent has been permanently decommissioned.", agent_id=agent_id)
        self.agent_id = agent_id


class AgentAlreadyDecommissioned(DomainError):
    """Decommission was requested for an agent that is already decommissioned."""

    code = "AGENT_ALREADY_DECOMMISSIONED"

    def __init__(self, agent_id: str) -> None:
        super().__init__("The agent is already decommissioned.", agent_id=agent_id)
        self.agent_id = agent_id


class InvalidTransition(DomainError):
    """A lifecycle transition the agent state machine does not allow."""

    code = "INVALID_STATUS_TRANSITION"

    def __init__(self, agent_id: str, current: str, target: str) -> None:
        super().__init__(
            f"An agent cannot go from {current} to {target}.",
            agent_id=agent_id,
            current=current,
            target=target,
        )
        self.current = current
        self.target = target


class AgentNotActive(DomainError):
    """The operation needs an active agent (e.g. issuing credentials or tokens)."""

    code = "AGENT_NOT_ACTIVE"

    def __init__(self, agent_id: str, status: str) -> None:
        super().__init__(f"The agent is {status}, not active.", agent_id=agent_id, status=status)
        self.status = status


class CredentialAlreadyRevoked(DomainError):
    """Rotate or revoke was requested for a credential that is already revoked."""

    code = "CREDENTIAL_ALREADY_REVOKED"

    def __init__(self, credential_id: str) -> None:
        super().__init__("The credential is already revoked.", credential_id=credential_id)
        self.credential_id = credential_id
