"""``agentidp bootstrap --platform-admin`` and ``agentidp orgs`` against embedded SQLite."""

from __future__ import annotations

import asyncio
from typing import Any

from cli_harness import CHEAP_ARGON2, Cli

from agentidp.application.commands import DeleteOrganization
from agentidp.application.principal import Principal
from agentidp.embedded import AgentIdP
from agentidp.entrypoints.cli.exit_codes import ExitCode
from agentidp.entrypoints.settings import Argon2Parameters

API_SCOPES = {"agents:read", "agents:write", "tokens:read", "audit:read", "admin:orgs"}


def test_bootstrap_platform_admin_grants_admin_platform(agentidp: Cli) -> None:
    """--platform-admin adds the operator-only scope; the record says so; a token carries it."""
    record = agentidp.json(
        "bootstrap", "-o", "platform", "--admin-email", "root@platform.example", "--platform-admin"
    )

    assert set(record["scope"].split()) == API_SCOPES | {"admin:platform"}
    assert (record["role"], record["platformAdmin"]) == ("admin", True)
    token = agentidp.token(record["clientId"], record["clientSecret"])
    assert token.count(".") == 2


def test_plain_bootstrap_is_an_admin_member_without_admin_platform(acme: dict[str, Any]) -> None:
    """Without the flag: every API scope, role admin, no admin:platform."""
    assert set(acme["scope"].split()) == API_SCOPES
    assert (acme["role"], acme["platformAdmin"]) == ("admin", False)


def test_orgs_list_and_show(agentidp: Cli) -> None:
    """list: newest first, with tier; show: one organization by slug; unknown: exit 3."""
    first = agentidp.bootstrap("first", "a@first.example")
    second = agentidp.bootstrap("second", "a@second.example")

    listed = agentidp.json("orgs", "list")
    shown = agentidp.json("orgs", "show", "first")
    table = agentidp("orgs", "list")
    missing = agentidp("orgs", "show", "nope")

    assert [o["organizationId"] for o in listed["data"]] == [
        second["organizationId"],
        first["organizationId"],
    ]
    assert listed["total"] == 2
    assert (shown["organizationId"], shown["planTier"], shown["status"]) == (
        first["organizationId"],
        "free",
        "active",
    )
    assert shown["maxAgents"] is None
    assert "second" in table.stdout
    assert "2 organization(s)" in table.stdout
    assert missing.exit_code == ExitCode.NOT_FOUND
    assert "ORG_NOT_FOUND" in missing.stderr


def test_orgs_list_filters_by_status(agentidp: Cli) -> None:
    """--status narrows the listing (nothing is suspended here)."""
    agentidp.bootstrap()

    assert agentidp.json("orgs", "list", "--status", "suspended")["total"] == 0
    assert agentidp.json("orgs", "list", "--status", "active")["total"] == 1


def test_bootstrap_into_a_deleted_organization_is_a_conflict(agentidp: Cli) -> None:
    """A deleted organization takes no new administrator: exit 4, ORG_ALREADY_DELETED; it
    still shows, as deleted."""
    acme = agentidp.bootstrap()
    asyncio.run(_delete(agentidp, acme["organizationId"]))

    result = agentidp("bootstrap", "-o", "acme", "--admin-email", "b@acme.example")

    assert result.exit_code == ExitCode.CONFLICT
    assert "ORG_ALREADY_DELETED" in result.stderr
    assert agentidp.json("orgs", "show", "acme")["status"] == "deleted"


async def _delete(agentidp: Cli, organization_id: str) -> None:
    """Soft-delete an organization through the embedded library, as the operator."""
    cheap = Argon2Parameters(*(int(value) for value in CHEAP_ARGON2.values()))
    async with AgentIdP.open(agentidp.data_dir, argon2=cheap) as idp:
        await idp.container.delete_organization()(
            DeleteOrganization(Principal.deployment_operator(), organization_id)
        )
