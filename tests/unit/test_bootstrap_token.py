"""Bootstrap tokens (GitHub OIDC bootstrap mode): exact claims, never an agent's token, and
a principal that is neither an agent nor the operator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from agentidp.application.principal import BootstrapGrant, Principal
from agentidp.domain.ids import OrganizationId, TokenId
from agentidp.domain.token import (
    AccessTokenClaims,
    BootstrapTokenClaims,
    MalformedClaims,
    is_bootstrap_token,
)

ISS, AUD = "https://idp.example", "https://idp.example"
POLICY = "0b0e0000-0000-4000-8000-0000000000a1"
ORG = OrganizationId("0b0e0000-0000-4000-8000-00000000000a")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def claims() -> BootstrapTokenClaims:
    return BootstrapTokenClaims.issue(
        issuer=ISS,
        audience=AUD,
        trust_policy_id=POLICY,
        organization_id=ORG,
        jti=TokenId("0b0e0000-0000-4000-8000-0000000000b1"),
        now=NOW,
        ttl=timedelta(seconds=300),
    )


def test_round_trip_and_shape() -> None:
    issued = claims()
    raw = issued.to_dict()
    assert raw["sub"] == raw["client_id"] == f"bootstrap:{POLICY}"
    assert raw["scope"] == "agents:write"
    assert raw["exp"] - raw["iat"] == 300
    assert is_bootstrap_token(raw)
    assert BootstrapTokenClaims.from_dict(raw, issuer=ISS, audience=AUD) == issued
    assert issued.is_active(NOW)
    assert not issued.is_active(NOW + timedelta(seconds=300))


def test_it_never_passes_for_an_agent_token() -> None:
    with pytest.raises(MalformedClaims):
        AccessTokenClaims.from_dict(claims().to_dict(), issuer=ISS, audience=AUD)


@pytest.mark.parametrize(
    "change",
    [
        {"scope": "agents:write agents:read"},
        {"scope": "agents:read"},
        {"sub": "bootstrap:0b0e0000-0000-4000-8000-00000000000b"},
        {"client_id": "0b0e0000-0000-4000-8000-00000000000b"},
        {"trust_policy_id": None},
        {"trust_policy_id": "not-a-uuid"},
        {"iss": "https://other.example"},
        {"aud": "https://other.example"},
        {"organization_id": None},
        {"act": {"sub": "0b0e0000-0000-4000-8000-00000000000b"}},
        {"exp": "soon"},
    ],
)
def test_every_claim_is_exact(change: dict[str, Any]) -> None:
    raw = claims().to_dict() | change
    with pytest.raises(MalformedClaims):
        BootstrapTokenClaims.from_dict(raw, issuer=ISS, audience=AUD)


def test_a_bootstrap_principal_is_not_the_operator() -> None:
    principal = Principal(
        subject=None,
        organization_id=ORG,
        scopes=frozenset({"agents:write"}),
        bootstrap=BootstrapGrant(POLICY, 0),
    )
    assert not principal.is_operator
    assert principal.actor == f"bootstrap:{POLICY}"
    assert Principal.operator(ORG).is_operator
