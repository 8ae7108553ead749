"""GitHub ``sub`` parsing (both formats) and the claims table."""

from __future__ import annotations

from typing import Any

import pytest

from agentidp.domain.github_claims import (
    GitHubClaims,
    MalformedGitHubToken,
    SubjectContext,
    parse_subject,
)


def payload(**overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "sub": "repo:octo-org/octo-repo:ref:refs/heads/main",
        "repository": "octo-org/octo-repo",
        "repository_id": "2002",
        "repository_owner": "octo-org",
        "repository_owner_id": "1001",
        "ref": "refs/heads/main",
        "job_workflow_ref": "octo-org/octo-repo/.github/workflows/d.yml@refs/heads/main",
        "jti": "j-1",
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


@pytest.mark.parametrize(
    ("sub", "owner", "repo", "ids", "context", "value"),
    [
        ("repo:o/r:ref:refs/heads/main", "o", "r", (None, None), "ref", "refs/heads/main"),
        ("repo:o/r:environment:prod", "o", "r", (None, None), "environment", "prod"),
        ("repo:o/r:pull_request", "o", "r", (None, None), "pull_request", ""),
        ("repo:o@1/r@2:ref:refs/tags/v1", "o", "r", ("1", "2"), "ref", "refs/tags/v1"),
        (
            "repo:my.org@10/my-repo.x@20:environment:prod:eu",
            "my.org",
            "my-repo.x",
            ("10", "20"),
            "environment",
            "prod:eu",
        ),
        ("repo:o@1/r@2:pull_request", "o", "r", ("1", "2"), "pull_request", ""),
    ],
)
def test_both_sub_formats_parse(
    sub: str,
    owner: str,
    repo: str,
    ids: tuple[str | None, str | None],
    context: str,
    value: str,
) -> None:
    parsed = parse_subject(sub)
    assert (parsed.owner, parsed.repository) == (owner, repo)
    assert (parsed.owner_id, parsed.repository_id) == ids
    assert parsed.context is SubjectContext(context)
    assert parsed.value == value


@pytest.mark.parametrize(
    "sub",
    [
        "",
        "repo:",
        "repo:o/r",
        "repo:o/r:",
        "Repo:o/r:ref:refs/heads/main",
        "repository:o/r:ref:x",
        "repo:o:ref:refs/heads/main",
        "repo:o/r/x:ref:y",
        "repo:o@1/r:ref:y",  # one id without the other
        "repo:o/r@2:ref:y",
        "repo:o@/r@2:ref:y",
        "repo:o@01/r@2:ref:y",
        "repo:o@1a/r@2:ref:y",
        "repo:o/r:ref:",
        "repo:o/r:environment:",
        "repo:o/r:pull_request:x",
        "repo:o/r:job_workflow_ref:x",
        "repo:o r/x:ref:y",
        "repo:o/r:REF:refs/heads/main",
    ],
)
def test_anything_else_is_refused(sub: str) -> None:
    with pytest.raises(MalformedGitHubToken):
        parse_subject(sub)


def test_claims_are_read_and_branch_derived() -> None:
    claims = GitHubClaims.from_payload(payload())
    assert claims.branch == "main"
    assert (
        GitHubClaims.from_payload(
            payload(sub="repo:octo-org/octo-repo:ref:refs/tags/v1", ref="refs/tags/v1")
        ).branch
        is None
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"repository_id": None},
        {"repository_owner_id": 1001},  # a number: GitHub sends strings
        {"repository_id": "02002"},
        {"jti": ""},
        {"job_workflow_ref": None},
        {"repository": "octo-org/other"},  # sub names another repository
        {"repository_owner": "Octo-Org"},
        {"ref": "refs/heads/dev"},  # sub's ref differs
        {"sub": "repo:octo-org@9/octo-repo@2002:ref:refs/heads/main"},  # sub's owner id differs
        {"sub": "repo:octo-org/octo-repo:environment:prod"},  # no environment claim
        {"sub": "repo:octo-org/octo-repo:environment:prod", "environment": "staging"},
        {"environment": 3},
    ],
)
def test_inconsistent_or_mistyped_claims_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(MalformedGitHubToken):
        GitHubClaims.from_payload(payload(**overrides))
