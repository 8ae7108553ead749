"""``AgentIdP.open``: agents, signing keys and the audit chain survive a reopen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentidp import AgentIdP


async def test_state_keys_and_chain_survive_a_reopen(tmp_path: Path, cheap: dict[str, Any]) -> None:
    """A second open of the same directory sees the same agents, kid, tokens and chain."""
    async with AgentIdP.open(tmp_path / "idp", **cheap) as idp:
        boot = await idp.bootstrap("acme", "Acme", "admin@acme.example")
        acme = await idp.organization("acme")
        agent = await acme.register_agent(email="bot@acme.example", owner="team-a")
        token = (await idp.issue_token(boot.admin.id, boot.client_secret)).access_token
        kids = [key["kid"] for key in idp.jwks()["keys"]]
        chain = await idp.verify_audit_chain()

    async with AgentIdP.open(tmp_path / "idp", **cheap) as reopened:
        acme = await reopened.organization("acme")
        found = await acme.get_agent(agent.id)
        introspected = await acme.introspect(token)
        reissued = await reopened.issue_token(boot.admin.id, boot.client_secret)
        kids_after = [key["kid"] for key in reopened.jwks()["keys"]]
        chain_after = await reopened.verify_audit_chain()

    assert found.email == "bot@acme.example"
    assert kids_after == kids
    assert introspected["active"] is True  # signed before the reopen, verified after it
    assert reissued.access_token
    assert chain.verified
    assert chain_after.verified
    # The reopen's own events (introspection, token) extend the same chain.
    assert chain_after.checked_count > chain.checked_count
    assert (tmp_path / "idp" / "agentidp.db").exists()


async def test_open_accepts_settings_overrides(tmp_path: Path, cheap: dict[str, Any]) -> None:
    """Keyword overrides reach the settings (here: the signing algorithm and token TTL)."""
    async with AgentIdP.open(
        tmp_path, signing_algorithm="ES256", token_ttl_seconds=600, **cheap
    ) as idp:
        boot = await idp.bootstrap("acme", None, "admin@acme.example")
        issued = await idp.issue_token(boot.admin.id, boot.client_secret)

        assert idp.settings.signing_algorithm == "ES256"
        assert issued.expires_in == 600
        assert {key["alg"] for key in idp.jwks()["keys"]} >= {"ES256"}
