"""TrustPolicy: which GitHub Actions workflows may act as which agent of an organization.

A policy names a repository twice: by its mutable ``owner/repo`` name and by the immutable
numeric ids GitHub assigns (``repository_owner_id``, ``repository_id``). Both must match, so
a repository that is renamed, transferred, deleted and re-created, or an owner account that is
deleted and re-registered by someone else, stops matching (PyPI trusted publishing does the
same; docs/adr/0012-github-oidc-trust.md). The ids are required at creation: a policy is never
"completed" by the first token that happens to carry the right name.

Matching compares EXACTLY: no case folding, no prefixes, no globbing. Every check is in
:data:`CHECKS`, in the order that decides the refusal reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final, NewType

from .errors import InvalidValue
from .github_claims import ID_PATTERN, NAME_PATTERN, GitHubClaims
from .ids import AgentId, OrganizationId

TrustPolicyId = NewType("TrustPolicyId", str)

#: The only provider so far; the wire field exists so others can be added.
GITHUB: Final = "github"
PROVIDERS: Final = frozenset({GITHUB})
_REPOSITORY: Final = re.compile(rf"{NAME_PATTERN}/{NAME_PATTERN}")
_ID: Final = re.compile(ID_PATTERN)
#: Branch, environment and workflow values are opaque strings, bounded for storage.
MAX_VALUE_LENGTH: Final = 255


class Mismatch(StrEnum):
    """Why a policy did not accept a token (audit reasons; one maps to its own error)."""

    REPOSITORY = "repository_mismatch"
    OWNER_ID = "repository_owner_id_mismatch"
    REPOSITORY_ID = "repository_id_mismatch"
    BRANCH = "branch_mismatch"
    ENVIRONMENT = "environment_mismatch"
    WORKFLOW = "workflow_mismatch"


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The outcome of :meth:`TrustPolicy.match`: accepted, or the first failing check."""

    mismatch: Mismatch | None

    @property
    def accepted(self) -> bool:
        """True when every check passed."""
        return self.mismatch is None


@dataclass(frozen=True, slots=True)
class TrustPolicy:
    """One organization's trust in one repository (and optionally branch, environment,
    workflow). ``agent_id`` ``None`` makes it a bootstrap policy (seed 002): its tokens may
    only register one new agent."""

    id: TrustPolicyId
    organization_id: OrganizationId
    provider: str
    repository: str
    repository_owner_id: str
    repository_id: str
    branch: str | None
    environment: str | None
    workflow: str | None
    agent_id: AgentId | None
    created_at: datetime

    @classmethod
    def create(
        cls,
        *,
        id: TrustPolicyId,
        organization_id: OrganizationId,
        provider: str,
        repository: str,
        repository_owner_id: str,
        repository_id: str,
        branch: str | None = None,
        environment: str | None = None,
        workflow: str | None = None,
        agent_id: AgentId | None = None,
        now: datetime,
    ) -> TrustPolicy:
        """Validate and create a policy.

        Raises:
            InvalidValue: unsupported provider, repository not ``owner/repo``, an id that is
                not a positive decimal integer, or an empty or overlong optional value.
        """
        if provider not in PROVIDERS:
            raise InvalidValue("provider", "Only 'github' is supported.")
        if _REPOSITORY.fullmatch(repository) is None:
            raise InvalidValue("repository", "Must be in 'org/repo' format.")
        for field, value in (
            ("repositoryOwnerId", repository_owner_id),
            ("repositoryId", repository_id),
        ):
            if _ID.fullmatch(value) is None:
                raise InvalidValue(field, "Must be GitHub's numeric id, as a decimal string.")
        for field, optional in (
            ("branch", branch),
            ("environment", environment),
            ("workflow", workflow),
        ):
            if optional is not None and not 0 < len(optional) <= MAX_VALUE_LENGTH:
                raise InvalidValue(field, f"Must be 1 to {MAX_VALUE_LENGTH} characters.")
        return cls(
            id=id,
            organization_id=organization_id,
            provider=provider,
            repository=repository,
            repository_owner_id=repository_owner_id,
            repository_id=repository_id,
            branch=branch,
            environment=environment,
            workflow=workflow,
            agent_id=agent_id,
            created_at=now,
        )

    @property
    def is_bootstrap(self) -> bool:
        """True when the policy binds no agent (its tokens may only register one)."""
        return self.agent_id is None

    @property
    def conditions(self) -> tuple[str | None, ...]:
        """What two policies of one organization may not both state (a duplicate)."""
        return (
            self.organization_id,
            self.provider,
            self.repository_id,
            self.branch,
            self.environment,
            self.workflow,
            self.agent_id,
        )

    def names_repository(self, claims: GitHubClaims) -> bool:
        """True when the token comes from this policy's repository, by name AND ids."""
        return all(check(self, claims) for _, check in CHECKS[:3])

    def match(self, claims: GitHubClaims) -> MatchResult:
        """Whether the token's claims satisfy every condition of this policy."""
        for mismatch, check in CHECKS:
            if not check(self, claims):
                return MatchResult(mismatch)
        return MatchResult(None)


def _optional(expected: str | None, actual: str | None) -> bool:
    # An unset condition accepts anything; a set one only the identical string.
    return expected is None or expected == actual


#: Every condition, in the order that names the refusal. ``==`` on ``str``: exact, no folding.
CHECKS: Final[tuple[tuple[Mismatch, Callable[[TrustPolicy, GitHubClaims], bool]], ...]] = (
    # SECURITY: the name stops a token of another repository; the ids stop one of a repository
    # that now carries the name (rename, transfer, deleted and re-created owner or repository).
    (Mismatch.REPOSITORY, lambda p, c: p.repository == c.repository),
    (Mismatch.OWNER_ID, lambda p, c: p.repository_owner_id == c.repository_owner_id),
    (Mismatch.REPOSITORY_ID, lambda p, c: p.repository_id == c.repository_id),
    # ``ref`` (checked equal to ``sub`` already) is the branch: tags and pull requests have none.
    (Mismatch.BRANCH, lambda p, c: _optional(p.branch, c.branch)),
    (Mismatch.ENVIRONMENT, lambda p, c: _optional(p.environment, c.environment)),
    # job_workflow_ref names the reusable workflow that actually ran, with its ref.
    (Mismatch.WORKFLOW, lambda p, c: _optional(p.workflow, c.job_workflow_ref)),
)
