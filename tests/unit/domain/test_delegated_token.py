"""The RFC 8693 ``act`` claim of delegated access tokens (domain/token.py)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentidp.domain.ids import AgentId, OrganizationId, TokenId
from agentidp.domain.token import MAX_ACT_DEPTH, AccessTokenClaims, MalformedClaims, nested_act
from tests.builders import NOW

ISSUER = "https://idp.example"
AUDIENCE = "https://api.example"
uuids = st.uuids().map(str)


def delegated(actors: tuple[str, ...], **overrides: Any) -> dict[str, Any]:
    claims = AccessTokenClaims.delegate(
        issuer=ISSUER,
        audience=AUDIENCE,
        subject=AgentId(str(uuid.uuid4())),
        actors=tuple(AgentId(actor) for actor in actors),
        delegation_id=str(uuid.uuid4()),
        organization_id=OrganizationId(str(uuid.uuid4())),
        scope=frozenset({"agents:read"}),
        jti=TokenId(str(uuid.uuid4())),
        now=NOW,
        expires_at=NOW.replace(hour=NOW.hour + 1),
    ).to_dict()
    return {**claims, **overrides}


@given(st.lists(uuids, min_size=1, max_size=MAX_ACT_DEPTH, unique=True))
def test_act_nests_current_actor_outermost_and_round_trips(actors: list[str]) -> None:
    raw = delegated(tuple(actors))
    act = raw["act"]
    for actor in actors:  # RFC 8693 §4.1: outermost is current, each inner one the previous
        assert act["sub"] == actor
        act = act.get("act")
    assert act is None
    assert raw["client_id"] == actors[0]
    parsed = AccessTokenClaims.from_dict(raw, issuer=ISSUER, audience=AUDIENCE)
    assert parsed.act == tuple(actors)
    assert parsed.to_dict() == raw


def test_expiry_is_capped_by_the_delegation() -> None:
    raw = delegated((str(uuid.uuid4()),))
    assert raw["exp"] - raw["iat"] == 3600
    short = AccessTokenClaims.delegate(
        issuer=ISSUER,
        audience=AUDIENCE,
        subject=AgentId(str(uuid.uuid4())),
        actors=(AgentId(str(uuid.uuid4())),),
        delegation_id=str(uuid.uuid4()),
        organization_id=OrganizationId(str(uuid.uuid4())),
        scope=frozenset({"agents:read"}),
        jti=TokenId(str(uuid.uuid4())),
        now=NOW,
        expires_at=NOW.replace(minute=5),
    )
    assert short.exp == int(NOW.replace(minute=5).timestamp())


@pytest.mark.parametrize(
    ("change", "claim"),
    [
        ({"client_id": None}, "client_id"),  # replaced below by the subject
        ({"delegation_id": None}, "delegation_id"),
        ({"delegation_id": "not-a-uuid"}, "delegation_id"),
        ({"act": {"sub": "not-a-uuid"}}, "act"),
        ({"act": "string"}, "act"),
        ({"act": {}}, "act"),
    ],
)
def test_malformed_delegation_claims_are_refused(change: dict[str, Any], claim: str) -> None:
    raw = delegated((str(uuid.uuid4()),))
    if claim == "client_id":
        change = {"client_id": raw["sub"]}  # a delegated token's client is its actor
    raw.update(change)
    with pytest.raises(MalformedClaims) as refused:
        AccessTokenClaims.from_dict(raw, issuer=ISSUER, audience=AUDIENCE)
    assert refused.value.claim == claim


def test_act_nesting_is_bounded() -> None:
    actors = tuple(AgentId(str(uuid.uuid4())) for _ in range(MAX_ACT_DEPTH + 1))
    raw = delegated((actors[0],), act=nested_act(actors))
    with pytest.raises(MalformedClaims):
        AccessTokenClaims.from_dict(raw, issuer=ISSUER, audience=AUDIENCE)


def test_plain_tokens_carry_no_act() -> None:
    raw = delegated((str(uuid.uuid4()),))
    plain = {k: v for k, v in raw.items() if k not in ("act", "delegation_id")}
    plain["client_id"] = plain["sub"]
    parsed = AccessTokenClaims.from_dict(plain, issuer=ISSUER, audience=AUDIENCE)
    assert not parsed.is_delegated
    assert "act" not in parsed.to_dict()
