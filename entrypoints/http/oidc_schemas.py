"""Wire schemas of ``/api/v1/oidc`` (oidc-token-exchange.yaml and oidc-trust-policies.yaml of
the seed, plus the immutable GitHub ids our trust policies require): camelCase Structs.

GitHub's API returns ids as numbers and its tokens carry them as strings; both are accepted
here and stored as decimal strings (the domain checks the format).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import Meta, Struct

from agentidp.domain.trust_policy import MAX_VALUE_LENGTH, TrustPolicy

#: A GitHub numeric id, as GitHub's API (number) or its tokens (string) spell it.
GitHubId = Annotated[int | str, Meta(examples=["123456789"])]
Condition = Annotated[str, Meta(max_length=MAX_VALUE_LENGTH)]


class _Camel(Struct, rename="camel", kw_only=True):
    """Base of the camelCase OIDC schemas."""


class TrustPolicyIn(_Camel, forbid_unknown_fields=True):
    """Create request. ``repositoryOwnerId`` and ``repositoryId`` are GitHub's immutable ids
    (``gh api repos/OWNER/REPO --jq '.owner.id, .id'``): a renamed or re-created repository
    or owner keeps the name but not the id, and stops matching."""

    provider: Annotated[str, Meta(max_length=32, examples=["github"])]
    repository: Annotated[str, Meta(max_length=256, examples=["acme-corp/agent-deployer"])]
    repository_owner_id: GitHubId
    repository_id: GitHubId
    #: Absent: a bootstrap policy (its tokens may only register one agent).
    agent_id: Annotated[str, Meta(max_length=64)] | None = None
    branch: Condition | None = None
    environment: Condition | None = None
    #: ``job_workflow_ref`` exactly, e.g. ``acme-corp/agent-deployer/.github/workflows/
    #: deploy.yml@refs/heads/main``.
    workflow: Condition | None = None


class TrustPolicyOut(_Camel):
    """A trust policy (policies are immutable: ``updatedAt`` equals ``createdAt``)."""

    id: str
    provider: str
    repository: str
    repository_owner_id: str
    repository_id: str
    branch: str | None
    environment: str | None
    workflow: str | None
    agent_id: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, policy: TrustPolicy) -> TrustPolicyOut:
        """The wire form of ``policy``."""
        return cls(
            id=policy.id,
            provider=policy.provider,
            repository=policy.repository,
            repository_owner_id=policy.repository_owner_id,
            repository_id=policy.repository_id,
            branch=policy.branch,
            environment=policy.environment,
            workflow=policy.workflow,
            agent_id=policy.agent_id,
            created_at=policy.created_at,
            updated_at=policy.created_at,
        )


class OidcTokenIn(_Camel):
    """Exchange request. ``provider`` defaults to ``github`` (the seed's examples omit it).
    The token's size is checked by the exchange (401 ``OIDC_TOKEN_INVALID``), not here."""

    token: str
    provider: str = "github"
    agent_id: str | None = None
    scope: str | None = None


class OidcTokenOut(Struct, kw_only=True):
    """Exchange response (snake_case, like RFC 6749 §5.1)."""

    access_token: str
    token_type: str
    expires_in: int
    scope: str


class TokenExchangeOut(Struct, kw_only=True):
    """RFC 8693 §2.2.1 response."""

    access_token: str
    issued_token_type: str
    token_type: str
    expires_in: int
    scope: str
