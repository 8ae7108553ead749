"""Columns of ``oidc_trust_policies`` and the row ↔ ``TrustPolicy`` mapping, written once for
both SQL backends (each passes its own instant encoding)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Final

from agentidp.domain.ids import AgentId, OrganizationId
from agentidp.domain.trust_policy import TrustPolicy, TrustPolicyId

TRUST_POLICY_COLUMNS: Final = (
    "id",
    "organization_id",
    "provider",
    "repository",
    "repository_owner_id",
    "repository_id",
    "branch",
    "environment",
    "workflow",
    "agent_id",
    "created_at",
)


def trust_policy_params(
    policy: TrustPolicy, encode_time: Callable[[datetime], Any]
) -> dict[str, Any]:
    """Named parameters of an INSERT of ``policy``."""
    return {
        "id": policy.id,
        "organization_id": policy.organization_id,
        "provider": policy.provider,
        "repository": policy.repository,
        "repository_owner_id": policy.repository_owner_id,
        "repository_id": policy.repository_id,
        "branch": policy.branch,
        "environment": policy.environment,
        "workflow": policy.workflow,
        "agent_id": policy.agent_id,
        "created_at": encode_time(policy.created_at),
    }


def trust_policy_to_domain(
    row: Sequence[Any], decode_time: Callable[[Any], datetime]
) -> TrustPolicy:
    """The policy of a row selected with :data:`TRUST_POLICY_COLUMNS`, in order."""
    values = dict(zip(TRUST_POLICY_COLUMNS, row, strict=True))
    agent_id = values["agent_id"]
    return TrustPolicy(
        id=TrustPolicyId(values["id"]),
        organization_id=OrganizationId(values["organization_id"]),
        provider=values["provider"],
        repository=values["repository"],
        repository_owner_id=values["repository_owner_id"],
        repository_id=values["repository_id"],
        branch=values["branch"],
        environment=values["environment"],
        workflow=values["workflow"],
        agent_id=None if agent_id is None else AgentId(agent_id),
        created_at=decode_time(values["created_at"]),
    )
