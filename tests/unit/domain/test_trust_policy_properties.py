"""Trust-policy matching never accepts a token of another repository, owner or branch.

Near misses are generated from an accepted token: the name with a case change, a prefix or a
suffix, another owner, a renamed or re-created repository carrying the old name with another
id, another branch (case, prefix, suffix, tags, pull requests). Each must be refused, and for
the reason its change implies.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from agentidp.domain.errors import InvalidValue
from agentidp.domain.github_claims import GitHubClaims
from agentidp.domain.ids import AgentId, OrganizationId
from agentidp.domain.trust_policy import Mismatch, TrustPolicy, TrustPolicyId

NOW = datetime(2026, 11, 23, tzinfo=UTC)
names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}", fullmatch=True)
ids = st.integers(min_value=1, max_value=10**12).map(str)
branches = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,19}", fullmatch=True)


def policy(owner: str, repo: str, owner_id: str, repo_id: str, **conditions: str) -> TrustPolicy:
    return TrustPolicy.create(
        id=TrustPolicyId("00000000-0000-4000-8000-000000000001"),
        organization_id=OrganizationId("00000000-0000-4000-8000-000000000002"),
        provider="github",
        repository=f"{owner}/{repo}",
        repository_owner_id=owner_id,
        repository_id=repo_id,
        agent_id=AgentId("00000000-0000-4000-8000-000000000003"),
        now=NOW,
        **conditions,
    )


def token(
    owner: str,
    repo: str,
    owner_id: str,
    repo_id: str,
    ref: str,
    environment: str | None = None,
    workflow: str | None = None,
    new_format: bool = False,
) -> GitHubClaims:
    slug = f"{owner}@{owner_id}/{repo}@{repo_id}" if new_format else f"{owner}/{repo}"
    context = f"environment:{environment}" if environment else f"ref:{ref}"
    payload = {
        "sub": f"repo:{slug}:{context}",
        "repository": f"{owner}/{repo}",
        "repository_id": repo_id,
        "repository_owner": owner,
        "repository_owner_id": owner_id,
        "ref": ref,
        "job_workflow_ref": workflow or f"{owner}/{repo}/.github/workflows/ci.yml@{ref}",
        "jti": "j",
    }
    if environment:
        payload["environment"] = environment
    return GitHubClaims.from_payload(payload)


def near_misses(value: str) -> st.SearchStrategy[str]:
    """Strings that differ from ``value`` in ways a sloppy comparison would forgive."""
    variants = st.sampled_from(
        [
            value.upper(),
            value.lower(),
            value.swapcase(),
            value + "x",
            "x" + value,
            value + "-fork",
            value[:-1] if len(value) > 1 else value + "1",
            value + ".",
            "-" + value,
            value.replace("-", "_"),
            value + value,
        ]
    )
    return variants.filter(lambda candidate: candidate != value)


@given(owner=names, repo=names, owner_id=ids, repo_id=ids, branch=branches, fmt=st.booleans())
def test_the_exact_token_is_accepted(
    owner: str, repo: str, owner_id: str, repo_id: str, branch: str, fmt: bool
) -> None:
    trusted = policy(owner, repo, owner_id, repo_id, branch=branch)
    claims = token(owner, repo, owner_id, repo_id, f"refs/heads/{branch}", new_format=fmt)
    assert trusted.match(claims).accepted


@given(owner=names, repo=names, owner_id=ids, repo_id=ids, data=st.data())
def test_another_repository_name_is_refused(
    owner: str, repo: str, owner_id: str, repo_id: str, data: st.DataObject
) -> None:
    other = data.draw(near_misses(repo).filter(lambda n: all(c.isalnum() or c in "._-" for c in n)))
    trusted = policy(owner, repo, owner_id, repo_id)
    result = trusted.match(token(owner, other, owner_id, repo_id, "refs/heads/main"))
    assert result.mismatch is Mismatch.REPOSITORY


@given(owner=names, repo=names, owner_id=ids, repo_id=ids, data=st.data())
def test_another_owner_name_is_refused(
    owner: str, repo: str, owner_id: str, repo_id: str, data: st.DataObject
) -> None:
    other = data.draw(
        near_misses(owner).filter(lambda n: all(c.isalnum() or c in "._-" for c in n))
    )
    trusted = policy(owner, repo, owner_id, repo_id)
    assert not trusted.match(token(other, repo, owner_id, repo_id, "refs/heads/main")).accepted


@given(owner=names, repo=names, owner_id=ids, repo_id=ids, new_id=ids, fmt=st.booleans())
def test_a_recreated_repository_with_the_old_name_is_refused(
    owner: str, repo: str, owner_id: str, repo_id: str, new_id: str, fmt: bool
) -> None:
    assume(new_id != repo_id)
    trusted = policy(owner, repo, owner_id, repo_id)
    claims = token(owner, repo, owner_id, new_id, "refs/heads/main", new_format=fmt)
    assert trusted.match(claims).mismatch is Mismatch.REPOSITORY_ID


@given(owner=names, repo=names, owner_id=ids, repo_id=ids, new_owner_id=ids)
def test_a_reregistered_owner_with_the_old_name_is_refused(
    owner: str, repo: str, owner_id: str, repo_id: str, new_owner_id: str
) -> None:
    assume(new_owner_id != owner_id)
    trusted = policy(owner, repo, owner_id, repo_id)
    claims = token(owner, repo, new_owner_id, repo_id, "refs/heads/main")
    assert trusted.match(claims).mismatch is Mismatch.OWNER_ID


@given(owner=names, repo=names, owner_id=ids, repo_id=ids, branch=branches, data=st.data())
def test_another_branch_is_refused(
    owner: str, repo: str, owner_id: str, repo_id: str, branch: str, data: st.DataObject
) -> None:
    ref = data.draw(
        near_misses(branch).map(lambda b: f"refs/heads/{b}")
        | st.sampled_from(
            [
                f"refs/tags/{branch}",
                "refs/pull/1/merge",
                f"refs/heads/{branch}/x",
                f"refs/heads/x/{branch}",
                f"refs/heads{branch}",
            ]
        )
    )
    trusted = policy(owner, repo, owner_id, repo_id, branch=branch)
    assert trusted.match(token(owner, repo, owner_id, repo_id, ref)).mismatch is Mismatch.BRANCH


@given(owner=names, repo=names, owner_id=ids, repo_id=ids, env=names, data=st.data())
def test_another_environment_or_workflow_is_refused(
    owner: str, repo: str, owner_id: str, repo_id: str, env: str, data: st.DataObject
) -> None:
    other_env = data.draw(near_misses(env))
    trusted = policy(owner, repo, owner_id, repo_id, environment=env)
    claims = token(owner, repo, owner_id, repo_id, "refs/heads/main", environment=other_env)
    assert trusted.match(claims).mismatch is Mismatch.ENVIRONMENT
    assert not trusted.match(token(owner, repo, owner_id, repo_id, "refs/heads/main")).accepted
    workflow = f"{owner}/{repo}/.github/workflows/deploy.yml@refs/heads/main"
    pinned = policy(owner, repo, owner_id, repo_id, workflow=workflow)
    other = data.draw(near_misses(workflow))
    claims = token(owner, repo, owner_id, repo_id, "refs/heads/main", workflow=other)
    assert pinned.match(claims).mismatch is Mismatch.WORKFLOW


def test_creation_validates_every_field() -> None:
    base = {"owner": "o", "repo": "r", "owner_id": "1", "repo_id": "2"}
    assert policy(**base).repository == "o/r"
    for bad in ({"owner_id": "0x1"}, {"repo_id": ""}, {"repo": "r/x"}):
        with pytest.raises(InvalidValue):
            policy(**{**base, **bad})
    with pytest.raises(InvalidValue):
        policy(**base, branch="")
    with pytest.raises(InvalidValue):
        replace(policy(**base)).create(
            id=TrustPolicyId("x"),
            organization_id=OrganizationId("o"),
            provider="gitlab",
            repository="o/r",
            repository_owner_id="1",
            repository_id="2",
            now=NOW,
        )
