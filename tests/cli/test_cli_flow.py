"""The operator's happy path through the ``agentidp`` command, against embedded SQLite."""

from __future__ import annotations

import json
from typing import Any

from cli_harness import Cli


def _register(agentidp: Cli, email: str = "bot@acme.example", *scopes: str) -> dict[str, Any]:
    scope_args = [arg for scope in scopes for arg in ("--scope", scope)]
    record: dict[str, Any] = agentidp.json(
        "agents",
        "register",
        "-o",
        "acme",
        "--email",
        email,
        "--owner",
        "team-a",
        "--type",
        "classifier",
        "--capability",
        "documents:read",
        *scope_args,
    )
    return record


def test_bootstrap_prints_the_ids_and_the_secret_once_with_a_warning(agentidp: Cli) -> None:
    """Human output names the organization, the client id and the secret; stderr warns."""
    result = agentidp("bootstrap", "--organization", "acme", "--admin-email", "admin@acme.example")

    assert result.exit_code == 0, result.output
    assert "organizationId" in result.stdout
    assert "clientId" in result.stdout
    assert "sk_live_" in result.stdout
    assert "shown only this once" in result.stderr
    assert "sk_live_" not in result.stderr


def test_bootstrap_json_has_the_ids_secret_and_every_scope(acme: dict[str, Any]) -> None:
    """``--json`` output is machine-readable and the administrator holds every scope."""
    assert acme["organizationCreated"] is True
    assert acme["clientSecret"].startswith("sk_live_")
    assert set(acme["scope"].split()) == {
        "agents:read",
        "agents:write",
        "tokens:read",
        "audit:read",
        "admin:orgs",
    }


def test_token_issue_prints_a_jwt_and_json_prints_the_token_response(
    agentidp: Cli, acme: dict[str, Any]
) -> None:
    """The admin's secret from the environment buys a token; ``--json`` is RFC 6749 §5.1."""
    token = agentidp.token(acme["clientId"], acme["clientSecret"])
    response = agentidp.json(
        "token",
        "issue",
        "--client-id",
        acme["clientId"],
        "--scope",
        "agents:read",
        env={"AGENTIDP_CLIENT_SECRET": acme["clientSecret"]},
    )

    assert token.count(".") == 2
    assert response["token_type"] == "Bearer"
    assert response["scope"] == "agents:read"
    assert response["expires_in"] == 3600


def test_token_issue_reads_the_secret_from_stdin(agentidp: Cli, acme: dict[str, Any]) -> None:
    """``--client-secret-stdin`` takes the first line of stdin."""
    result = agentidp(
        "token",
        "issue",
        "--client-id",
        acme["clientId"],
        "--client-secret-stdin",
        input=acme["clientSecret"] + "\n",
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.strip().count(".") == 2


def test_register_then_list_shows_the_agent(agentidp: Cli, acme: dict[str, Any]) -> None:
    """A registered agent appears in the table and in the JSON page."""
    agent = _register(agentidp, "bot@acme.example", "agents:read")

    table = agentidp("agents", "list", "-o", "acme")
    page = agentidp.json("agents", "list", "-o", "acme")

    assert table.exit_code == 0, table.output
    assert "bot@acme.example" in table.stdout
    assert agent["agentId"] in {row["agentId"] for row in page["data"]}
    assert page["total"] == 2  # the administrator and the new agent
    assert agent["scopes"] == ["agents:read"]


def test_new_agent_credential_token_introspect_revoke(agentidp: Cli, acme: dict[str, Any]) -> None:
    """Generate a credential, get the agent a token, introspect it, revoke it."""
    agent = _register(agentidp)
    credential = agentidp.json("credentials", "generate", "-o", "acme", agent["agentId"])
    token = agentidp.token(agent["agentId"], credential["clientSecret"])

    active = agentidp.json("token", "introspect", "-o", "acme", input=token + "\n")
    revoked = agentidp("token", "revoke", "-o", "acme", token)
    inactive = agentidp.json("token", "introspect", "-o", "acme", token)

    assert active["active"] is True
    assert active["sub"] == agent["agentId"]
    assert revoked.exit_code == 0, revoked.output
    assert inactive == {"active": False}


def test_rotate_replaces_the_secret_at_once(agentidp: Cli, acme: dict[str, Any]) -> None:
    """After rotation the old secret fails and the new one works."""
    agent = _register(agentidp)
    first = agentidp.json("credentials", "generate", "-o", "acme", agent["agentId"])

    rotated = agentidp.json(
        "credentials", "rotate", "-o", "acme", agent["agentId"], first["credentialId"]
    )
    old = agentidp(
        "token",
        "issue",
        "--client-id",
        agent["agentId"],
        env={"AGENTIDP_CLIENT_SECRET": first["clientSecret"]},
    )

    assert rotated["credentialId"] == first["credentialId"]
    assert rotated["clientSecret"] != first["clientSecret"]
    assert old.exit_code == 5
    assert agentidp.token(agent["agentId"], rotated["clientSecret"]).count(".") == 2


def test_credentials_list_and_revoke_never_show_secrets(
    agentidp: Cli, acme: dict[str, Any]
) -> None:
    """Listing shows metadata only; a revoked credential is marked revoked."""
    agent = _register(agentidp)
    issued = agentidp.json("credentials", "generate", "-o", "acme", agent["agentId"])

    revoked = agentidp.json(
        "credentials", "revoke", "-o", "acme", agent["agentId"], issued["credentialId"]
    )
    listing = agentidp("credentials", "list", "-o", "acme", agent["agentId"], "--json")

    assert revoked["status"] == "revoked"
    assert listing.exit_code == 0, listing.output
    assert issued["clientSecret"] not in listing.stdout
    assert "clientSecret" not in listing.stdout
    assert json.loads(listing.stdout)["data"][0]["status"] == "revoked"


def test_agent_lifecycle_update_suspend_reactivate_decommission(
    agentidp: Cli, acme: dict[str, Any]
) -> None:
    """Each lifecycle command moves the agent and prints its new state."""
    agent_id = _register(agentidp)["agentId"]

    updated = agentidp.json("agents", "update", "-o", "acme", agent_id, "--owner", "team-b")
    suspended = agentidp.json("agents", "suspend", "-o", "acme", agent_id)
    reactivated = agentidp.json("agents", "reactivate", "-o", "acme", agent_id)
    decommissioned = agentidp.json("agents", "decommission", "-o", "acme", agent_id, "--yes")
    shown = agentidp.json("agents", "get", "-o", "acme", agent_id)

    assert updated["owner"] == "team-b"
    assert suspended["status"] == "suspended"
    assert reactivated["status"] == "active"
    assert decommissioned["status"] == "decommissioned"
    assert shown["status"] == "decommissioned"


def test_audit_verify_and_list_after_a_flow(agentidp: Cli, acme: dict[str, Any]) -> None:
    """Every step is audited, the chain verifies (exit 0) and the log lists the events."""
    agentidp.token(acme["clientId"], acme["clientSecret"])
    _register(agentidp)

    verify = agentidp("audit", "verify")
    verified = agentidp.json("audit", "verify")
    events = agentidp.json("audit", "list", "-o", "acme", "--limit", "100")

    assert verify.exit_code == 0, verify.output
    assert "verified" in verify.stdout
    assert verified == {
        "verified": True,
        "checkedCount": verified["checkedCount"],
        "brokenAtEventId": None,
        "headHash": verified["headHash"],
    }
    assert verified["checkedCount"] >= 5
    assert len(verified["headHash"]) == 64
    actions = {event["action"] for event in events["data"]}
    assert {"organization.created", "token.issued", "agent.created"} <= actions
