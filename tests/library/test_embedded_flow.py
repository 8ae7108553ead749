"""The embedded facade end to end: bootstrap, tokens, agents, credentials, audit."""

from __future__ import annotations

import pytest

from agentidp import AgentIdP, Tenant
from agentidp.application.errors import (
    InsufficientScope,
    InvalidClient,
    OrganizationNotFound,
    Unauthenticated,
)
from agentidp.domain.errors import ScopeNotGranted

CAPABILITIES = ["documents:read"]


async def _admin(idp: AgentIdP, slug: str = "acme") -> Tenant:
    boot = await idp.bootstrap(slug, None, f"admin@{slug}.example")
    token = await idp.issue_token(boot.admin.id, boot.client_secret)
    return await idp.as_agent(token.access_token)


async def test_full_flow_through_the_facade(idp: AgentIdP) -> None:
    """Bootstrap → token → register → credential → agent token → introspect → revoke → verify."""
    boot = await idp.bootstrap("acme", "Acme Corp", "admin@acme.example")
    admin_token = await idp.issue_token(boot.admin.id, boot.client_secret)
    admin = await idp.as_agent(admin_token.access_token)

    agent = await admin.register_agent(
        email="bot@acme.example",
        owner="team-a",
        capabilities=CAPABILITIES,
        scopes=["agents:read"],
    )
    issued = await admin.generate_credential(agent.id)
    agent_token = await idp.issue_token(agent.id, issued.client_secret)
    before = await admin.introspect(agent_token.access_token)
    await admin.revoke_token(agent_token.access_token)
    after = await idp.introspect(agent_token.access_token, await admin.principal())
    chain = await idp.verify_audit_chain()

    assert boot.organization.name == "Acme Corp"
    assert boot.client_secret.startswith("sk_live_")
    assert agent_token.scope == "agents:read"
    assert before["active"] is True
    assert before["sub"] == agent.id
    assert after == {"active": False}
    assert chain.verified
    assert chain.checked_count >= 8


async def test_bootstrap_name_defaults_to_the_slug(idp: AgentIdP) -> None:
    """``name=None`` names the organization after its slug."""
    boot = await idp.bootstrap("acme", None, "admin@acme.example")

    assert boot.organization.name == "acme"
    assert [org.slug for org in await idp.organizations()] == ["acme"]


async def test_operator_tenant_manages_agents_and_credentials(idp: AgentIdP) -> None:
    """``organization(slug)`` acts as the operator with every scope."""
    await idp.bootstrap("acme", None, "admin@acme.example")
    acme = await idp.organization("acme")

    agent = await acme.register_agent(email="bot@acme.example", owner="team-a")
    updated = await acme.update_agent(agent.id, owner="team-b", version="1.1.0")
    first = await acme.generate_credential(agent.id)
    rotated = await acme.rotate_credential(agent.id, first.credential.id)
    await acme.suspend_agent(agent.id)
    await acme.reactivate_agent(agent.id)
    revoked = await acme.revoke_credential(agent.id, first.credential.id)
    gone = await acme.decommission_agent(agent.id)
    page = await acme.list_agents(status="decommissioned")
    events = await acme.query_audit(agent_id=agent.id, limit=100)

    assert agent.scopes == frozenset({"agents:read"})  # the default grant
    assert (updated.owner, updated.version) == ("team-b", "1.1.0")
    assert rotated.client_secret != first.client_secret
    assert revoked.status.value == "revoked"
    assert gone.status.value == "decommissioned"
    assert [a.id for a in page.items] == [agent.id]
    assert len(await acme.list_credentials(agent.id)) == 1
    assert {e.event.actor_id for e in events.items} == {"operator"}
    assert (await acme.get_audit_event(events.items[0].event.id)).event.agent_id == agent.id
    assert (await acme.verify_audit_chain()).verified


async def test_wrong_secret_is_invalid_client(idp: AgentIdP) -> None:
    """A wrong secret raises the one ``InvalidClient`` every cause shares."""
    boot = await idp.bootstrap("acme", None, "admin@acme.example")

    with pytest.raises(InvalidClient):
        await idp.issue_token(boot.admin.id, "sk_live_" + "0" * 64)


async def test_unknown_organization(idp: AgentIdP) -> None:
    """An unknown slug raises ``OrganizationNotFound``."""
    with pytest.raises(OrganizationNotFound):
        await idp.organization("nope")


async def test_as_agent_has_exactly_its_token_scopes(idp: AgentIdP) -> None:
    """A read-only token cannot register agents, and nobody grants scopes it lacks."""
    admin = await _admin(idp)
    reader = await admin.register_agent(email="reader@acme.example", owner="team-a")
    secret = (await admin.generate_credential(reader.id)).client_secret
    as_reader = await idp.as_agent((await idp.issue_token(reader.id, secret)).access_token)

    with pytest.raises(InsufficientScope):
        await as_reader.register_agent(email="x@acme.example", owner="team-a")
    with pytest.raises(ScopeNotGranted):
        await idp.issue_token(reader.id, secret, scope="agents:write")


async def test_as_agent_stops_working_once_its_token_is_revoked(idp: AgentIdP) -> None:
    """The token is re-verified on every call, as the HTTP API does per request."""
    boot = await idp.bootstrap("acme", None, "admin@acme.example")
    token = (await idp.issue_token(boot.admin.id, boot.client_secret)).access_token
    admin = await idp.as_agent(token)

    await admin.revoke_token(token)

    with pytest.raises(Unauthenticated):
        await admin.list_agents()
    with pytest.raises(Unauthenticated):
        await idp.as_agent(token)


async def test_jwks_publishes_the_signing_key(idp: AgentIdP) -> None:
    """The JWKS holds a public key with a kid and no private parts."""
    keys = idp.jwks()["keys"]

    assert keys
    assert all("kid" in key and "d" not in key for key in keys)


async def test_methods_need_an_open_deployment() -> None:
    """Outside ``async with`` the facade refuses to work rather than half-working."""
    idp = AgentIdP.in_memory()

    with pytest.raises(RuntimeError, match="not open"):
        idp.jwks()
    async with idp:
        assert idp.jwks()["keys"]
    with pytest.raises(RuntimeError, match="not open"):
        await idp.organization("acme")


async def test_results_never_show_secrets_in_their_repr(idp: AgentIdP) -> None:
    """Secrets and tokens stay out of reprs, so logging a result cannot leak them."""
    boot = await idp.bootstrap("acme", None, "admin@acme.example")
    token = await idp.issue_token(boot.admin.id, boot.client_secret)
    issued = await (await idp.organization("acme")).generate_credential(boot.admin.id)

    assert boot.client_secret not in repr(boot)
    assert token.access_token not in repr(token)
    assert issued.client_secret not in repr(issued)
