"""Agent aggregate: a non-human identity inside an organization, with its lifecycle.

Lifecycle::

    active ──suspend──▶ suspended ──reactivate──▶ active
      │                     │
      └────decommission─────┴──▶ decommissioned   (terminal, one-way; the record is kept)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from .errors import (
    AgentAlreadyDecommissioned,
    AgentDecommissioned,
    ImmutableField,
    InvalidTransition,
    InvalidValue,
)
from .ids import AgentId, OrganizationId
from .scopes import scope_collection


class AgentStatus(StrEnum):
    """Where an agent is in its lifecycle."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    DECOMMISSIONED = "decommissioned"


class AgentType(StrEnum):
    """What kind of work the agent does (AGNTCY agent types)."""

    SCREENER = "screener"
    CLASSIFIER = "classifier"
    ORCHESTRATOR = "orchestrator"
    EXTRACTOR = "extractor"
    SUMMARIZER = "summarizer"
    ROUTER = "router"
    MONITOR = "monitor"
    CUSTOM = "custom"


class DeploymentEnv(StrEnum):
    """Where the agent runs."""

    DEVELOPMENT = "development"
    STAGING = "staging"
    PRODUCTION = "production"


# Dot-atom local part (no leading, trailing or doubled dots) and hostname labels that neither
# start nor end with a hyphen (RFC 5321 §4.1.2, RFC 1123 §2.1); lengths are checked separately.
_LOCAL_ATOM: Final = r"[A-Za-z0-9_%+-]+"
_LABEL: Final = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL: Final = re.compile(
    rf"^{_LOCAL_ATOM}(?:\.{_LOCAL_ATOM})*@{_LABEL}(?:\.{_LABEL})+$", re.ASCII
)
# semver.org 2.0.0 §2, §9, §10 with ASCII digits only (``\d`` would accept any Unicode digit).
_NUMBER = r"(?:0|[1-9][0-9]*)"
_PRERELEASE_ID = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_SEMVER: Final = re.compile(
    rf"^{_NUMBER}\.{_NUMBER}\.{_NUMBER}"
    rf"(?:-{_PRERELEASE_ID}(?:\.{_PRERELEASE_ID})*)?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$",
    re.ASCII,
)
_CAPABILITY: Final = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}:[a-z0-9*][a-z0-9_.*-]{0,63}$")
MAX_CAPABILITIES: Final = 64

#: Fields a PATCH may change; everything else about an agent is fixed or derived.
MUTABLE_FIELDS: Final = frozenset(
    {"agent_type", "version", "capabilities", "owner", "deployment_env", "metadata", "scopes"}
)
#: Fields that never change after registration (asking to change them is an error).
IMMUTABLE_FIELDS: Final = frozenset({"id", "email", "organization_id", "created_at"})


@dataclass(slots=True)
class Agent:
    """An AI agent's identity. Its id doubles as its OAuth ``client_id``.

    ``revision`` is the optimistic-locking counter the repositories compare on update.
    ``scopes`` are the OAuth scopes the agent may request in a token.
    """

    id: AgentId
    organization_id: OrganizationId
    email: str
    agent_type: AgentType
    version: str
    capabilities: tuple[str, ...]
    owner: str
    deployment_env: DeploymentEnv
    scopes: frozenset[str]
    status: AgentStatus
    created_at: datetime
    updated_at: datetime
    metadata: dict[str, Any] = field(default_factory=dict)
    revision: int = 1

    @classmethod
    def register(
        cls,
        *,
        id: AgentId,
        organization_id: OrganizationId,
        email: str,
        agent_type: str,
        version: str,
        capabilities: tuple[str, ...] | list[str],
        owner: str,
        deployment_env: str,
        scopes: frozenset[str],
        now: datetime,
        metadata: Mapping[str, Any] | None = None,
    ) -> Agent:
        """Validate every field and create an active agent.

        Raises:
            InvalidValue: a field breaks its rule.
            InvalidScope: a scope is unknown.
        """
        return cls(
            id=id,
            organization_id=organization_id,
            email=_email(email),
            agent_type=_agent_type(agent_type),
            version=_version(version),
            capabilities=_capabilities(capabilities),
            owner=_owner(owner),
            deployment_env=_deployment_env(deployment_env),
            scopes=scope_collection(scopes),
            status=AgentStatus.ACTIVE,
            created_at=now,
            updated_at=now,
            metadata=_metadata({} if metadata is None else metadata),
        )

    @property
    def is_active(self) -> bool:
        """True when the agent may authenticate and receive tokens."""
        return self.status is AgentStatus.ACTIVE

    def update(self, changes: Mapping[str, Any], *, now: datetime) -> None:
        """Apply a partial update of mutable fields (status changes go through their methods).

        Raises:
            AgentDecommissioned: the agent is decommissioned.
            ImmutableField: ``changes`` names an immutable field.
            InvalidValue: a field is unknown or breaks its rule.
        """
        self.ensure_not_decommissioned()
        for name in changes:
            if name in IMMUTABLE_FIELDS:
                raise ImmutableField(name)
            if name not in MUTABLE_FIELDS:
                raise InvalidValue(name, "unknown field")
        validators: dict[str, Callable[[Any], object]] = {
            "agent_type": _agent_type,
            "version": _version,
            "capabilities": _capabilities,
            "owner": _owner,
            "deployment_env": _deployment_env,
            "metadata": _metadata,
            "scopes": scope_collection,
        }
        validated = {name: validators[name](value) for name, value in changes.items()}
        for name, value in validated.items():
            setattr(self, name, value)
        self.updated_at = now

    def suspend(self, *, now: datetime) -> None:
        """active → suspended.

        Raises:
            AgentDecommissioned: the agent is decommissioned.
            InvalidTransition: the agent is already suspended.
        """
        self._transition(AgentStatus.ACTIVE, AgentStatus.SUSPENDED, now)

    def reactivate(self, *, now: datetime) -> None:
        """suspended → active.

        Raises:
            AgentDecommissioned: the agent is decommissioned.
            InvalidTransition: the agent is already active.
        """
        self._transition(AgentStatus.SUSPENDED, AgentStatus.ACTIVE, now)

    def decommission(self, *, now: datetime) -> None:
        """Any live state → decommissioned, for good. Revoking credentials is the caller's job
        (see :func:`agentidp.domain.credential.revoke_all`), done in the same transaction.

        Raises:
            AgentAlreadyDecommissioned: it already is.
        """
        if self.status is AgentStatus.DECOMMISSIONED:
            raise AgentAlreadyDecommissioned(self.id)
        self.status = AgentStatus.DECOMMISSIONED
        self.updated_at = now

    def snapshot(self) -> Agent:
        """An independent copy, so callers never share mutable state with a repository."""
        return replace(self, metadata=dict(self.metadata))

    def ensure_not_decommissioned(self) -> None:
        """Raises:
        AgentDecommissioned: the agent is decommissioned (it accepts no change).
        """
        if self.status is AgentStatus.DECOMMISSIONED:
            raise AgentDecommissioned(self.id)

    def _transition(self, source: AgentStatus, target: AgentStatus, now: datetime) -> None:
        self.ensure_not_decommissioned()
        if self.status is not source:
            raise InvalidTransition(self.id, self.status.value, target.value)
        self.status = target
        self.updated_at = now


def _email(value: object) -> str:
    if (
        not isinstance(value, str)
        or len(value) > 254
        or len(value.partition("@")[0]) > 64
        or not _EMAIL.fullmatch(value)
    ):
        raise InvalidValue("email", "must be a valid email address")
    return value.lower()


def _agent_type(value: object) -> AgentType:
    try:
        return AgentType(str(value))
    except ValueError:
        allowed = ", ".join(t.value for t in AgentType)
        raise InvalidValue("agentType", f"must be one of: {allowed}") from None


def _version(value: object) -> str:
    if not isinstance(value, str) or len(value) > 64 or not _SEMVER.fullmatch(value):
        raise InvalidValue("version", "must be a semantic version such as 1.0.0")
    return value


def _capabilities(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise InvalidValue("capabilities", "must be a list of resource:action strings")
    if len(value) > MAX_CAPABILITIES:
        raise InvalidValue("capabilities", f"at most {MAX_CAPABILITIES} capabilities")
    for item in value:
        if not isinstance(item, str) or not _CAPABILITY.fullmatch(item):
            raise InvalidValue("capabilities", "each capability must look like resource:action")
    return tuple(dict.fromkeys(value))


def _metadata(value: object) -> dict[str, Any]:
    if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
        raise InvalidValue("metadata", "must be an object with string keys")
    return dict(value)


def _owner(value: object) -> str:
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= 256:
        raise InvalidValue("owner", "must be 1 to 256 characters")
    return value.strip()


def _deployment_env(value: object) -> DeploymentEnv:
    try:
        return DeploymentEnv(str(value))
    except ValueError:
        raise InvalidValue(
            "deploymentEnv", "must be one of: development, staging, production"
        ) from None
