"""GitHub Actions OIDC tokens: the ``sub`` grammar and the claims a relying party may trust.

The signature, ``iss``, ``aud`` and the time claims are checked before these claims are built
(adapters and the exchange use case); this module checks what only the payload can say: that
each claim has the expected type, and that ``sub`` agrees with the separate claims it repeats
(a token whose ``sub`` names one repository while ``repository`` names another is refused).

``sub`` formats accepted (anything else is refused, never guessed at)::

    repo:<owner>/<repo>:ref:<ref>                      classic, a push or a tag
    repo:<owner>/<repo>:environment:<environment>      classic, a job with an environment
    repo:<owner>/<repo>:pull_request                   classic, a pull request
    repo:<owner>@<owner_id>/<repo>@<repo_id>:<same three contexts>   2026, immutable ids

Claims table (warehouse's ``__required_verifiable_claims__`` style): every claim below must be
present with the stated type; :data:`KNOWN_UNCHECKED` lists claims GitHub sends that we read
for audit at most. Any other claim is ignored (GitHub adds claims over time).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from .errors import DomainError

#: Owner and repository names as GitHub allows them (and as trust policies are written).
NAME_PATTERN: Final = r"[A-Za-z0-9._-]+"
#: Immutable numeric ids as GitHub renders them in claims (decimal, no sign, no leading zero).
ID_PATTERN: Final = r"[1-9][0-9]*"
_NAME: Final = re.compile(NAME_PATTERN)
_ID: Final = re.compile(ID_PATTERN)
_SLUG: Final = re.compile(
    rf"(?P<owner>{NAME_PATTERN})(?:@(?P<owner_id>{ID_PATTERN}))?"
    rf"/(?P<repo>{NAME_PATTERN})(?:@(?P<repo_id>{ID_PATTERN}))?"
)


class MalformedGitHubToken(DomainError):
    """A GitHub OIDC token's payload breaks the claims table or contradicts itself.

    ``reason`` names the failing check, for the audit log (never echoed to callers in detail).
    """

    code = "OIDC_TOKEN_INVALID"

    def __init__(self, reason: str) -> None:
        super().__init__("The provided GitHub OIDC token is invalid.", reason=reason)
        self.reason = reason


class SubjectContext(StrEnum):
    """What the workflow run was triggered for, as ``sub`` states it."""

    REF = "ref"
    ENVIRONMENT = "environment"
    PULL_REQUEST = "pull_request"


@dataclass(frozen=True, slots=True)
class GitHubSubject:
    """A parsed ``sub``: repository, optional immutable ids (2026 format), and context."""

    owner: str
    repository: str
    owner_id: str | None
    repository_id: str | None
    context: SubjectContext
    #: The ref or environment name; empty for ``pull_request``.
    value: str

    @property
    def slug(self) -> str:
        """``owner/repo``."""
        return f"{self.owner}/{self.repository}"


def parse_subject(sub: str) -> GitHubSubject:
    """Parse a GitHub Actions ``sub`` claim in either format.

    Raises:
        MalformedGitHubToken: anything but the grammar in the module docstring; in the 2026
            format both ids must be present (one alone is refused).
    """
    prefix, _, rest = sub.partition(":")
    slug_text, _, context_text = rest.partition(":")
    slug = _SLUG.fullmatch(slug_text)
    if prefix != "repo" or slug is None:
        raise MalformedGitHubToken("sub-format")
    owner_id, repo_id = slug.group("owner_id"), slug.group("repo_id")
    if (owner_id is None) != (repo_id is None):
        raise MalformedGitHubToken("sub-format")
    kind, separator, value = context_text.partition(":")
    if kind == SubjectContext.PULL_REQUEST and not separator:
        context = SubjectContext.PULL_REQUEST
    elif kind in (SubjectContext.REF, SubjectContext.ENVIRONMENT) and value:
        context = SubjectContext(kind)
    else:
        raise MalformedGitHubToken("sub-format")
    return GitHubSubject(
        owner=slug.group("owner"),
        repository=slug.group("repo"),
        owner_id=owner_id,
        repository_id=repo_id,
        context=context,
        value=value,
    )


def _is_str(value: object) -> bool:
    return isinstance(value, str) and bool(value)


def _is_name(value: object) -> bool:
    return isinstance(value, str) and _NAME.fullmatch(value) is not None


def _is_id(value: object) -> bool:
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def _is_slug(value: object) -> bool:
    return (
        isinstance(value, str)
        and value.count("/") == 1
        and all(_NAME.fullmatch(part) for part in value.split("/"))
    )


#: Claim → check. Every one is required: a token without it cannot be matched safely.
REQUIRED_CLAIMS: Final[dict[str, Callable[[object], bool]]] = {
    "sub": _is_str,
    "repository": _is_slug,  # owner/repo, compared with the policy's name
    "repository_id": _is_id,  # immutable: a renamed or re-created repository changes it
    "repository_owner": _is_name,
    "repository_owner_id": _is_id,  # immutable: a re-registered owner name changes it
    "ref": _is_str,  # refs/heads/<branch>, refs/tags/<tag>, refs/pull/<n>/merge
    "job_workflow_ref": _is_str,  # owner/repo/.github/workflows/x.yml@<ref>
    "jti": _is_str,  # replay protection
}
#: Optional claims checked when present.
OPTIONAL_CLAIMS: Final[dict[str, Callable[[object], bool]]] = {"environment": _is_str}
#: Claims GitHub sends that matching does not use (kept for audit only).
KNOWN_UNCHECKED: Final = frozenset(
    {
        "actor",
        "actor_id",
        "base_ref",
        "event_name",
        "head_ref",
        "job_workflow_sha",
        "ref_type",
        "ref_protected",
        "repository_visibility",
        "run_attempt",
        "run_id",
        "run_number",
        "runner_environment",
        "sha",
        "workflow",
        "workflow_ref",
        "workflow_sha",
        "enterprise",
        "enterprise_id",
        "check_run_id",
        # Checked by the signature verifier and the exchange, before this table:
        "iss",
        "aud",
        "exp",
        "nbf",
        "iat",
    }
)


@dataclass(frozen=True, slots=True)
class GitHubClaims:
    """The verified, self-consistent claims of one GitHub Actions token."""

    subject: GitHubSubject
    repository: str
    repository_id: str
    repository_owner: str
    repository_owner_id: str
    ref: str
    job_workflow_ref: str
    jti: str
    environment: str | None = None

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> GitHubClaims:
        """Check the claims table and the agreement of ``sub`` with the other claims.

        Raises:
            MalformedGitHubToken: a claim is missing or mistyped, or ``sub`` contradicts
                ``repository``, ``repository_owner``, the ids, ``ref`` or ``environment``.
        """
        for name, check in REQUIRED_CLAIMS.items():
            if not check(payload.get(name)):
                raise MalformedGitHubToken(f"claim-{name}")
        for name, check in OPTIONAL_CLAIMS.items():
            if name in payload and not check(payload[name]):
                raise MalformedGitHubToken(f"claim-{name}")
        claims = cls(
            subject=parse_subject(payload["sub"]),
            repository=payload["repository"],
            repository_id=payload["repository_id"],
            repository_owner=payload["repository_owner"],
            repository_owner_id=payload["repository_owner_id"],
            ref=payload["ref"],
            job_workflow_ref=payload["job_workflow_ref"],
            jti=payload["jti"],
            environment=payload.get("environment"),
        )
        claims._check_consistent()
        return claims

    @property
    def branch(self) -> str | None:
        """The branch name when ``ref`` is ``refs/heads/<branch>``, else ``None``."""
        head, _, branch = self.ref.partition("refs/heads/")
        return branch if head == "" and branch else None

    def _check_consistent(self) -> None:
        # SECURITY: a relying party that read the repository from ``sub`` and the branch from
        # ``ref`` would otherwise trust two claims that may name different things.
        subject = self.subject
        if subject.slug != self.repository or subject.owner != self.repository_owner:
            raise MalformedGitHubToken("sub-repository")
        if subject.owner_id is not None and (
            subject.owner_id != self.repository_owner_id
            or subject.repository_id != self.repository_id
        ):
            raise MalformedGitHubToken("sub-ids")
        if subject.context is SubjectContext.REF and subject.value != self.ref:
            raise MalformedGitHubToken("sub-ref")
        if subject.context is SubjectContext.ENVIRONMENT and subject.value != self.environment:
            raise MalformedGitHubToken("sub-environment")
