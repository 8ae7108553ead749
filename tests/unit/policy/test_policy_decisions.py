"""Decisions of the shipped policies through :class:`RegoPolicyEngine`: a table per route and
role, and properties over the whole route table."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentidp.adapters.policy import RegoPolicyEngine
from agentidp.application.ports.policy import AccessRequest, Decision, policy_input
from agentidp.application.principal import BootstrapGrant, Principal
from agentidp.domain.ids import AgentId, OrganizationId
from agentidp.domain.scopes import KNOWN_SCOPES

POLICIES = Path(str(files("agentidp.policies")))
ROUTES: dict[str, dict[str, Any]] = json.loads((POLICIES / "data.json").read_text())["agentidp"][
    "routes"
]
OWN = OrganizationId("0b0e0000-0000-4000-8000-00000000000a")
OTHER = "0b0e0000-0000-4000-8000-00000000000b"
R, W, ORGS, PLATFORM = "agents:read", "agents:write", "admin:orgs", "admin:platform"


@cache
def engine() -> RegoPolicyEngine:
    """One engine on the packaged policies for the module (hypothesis may not take fixtures)."""
    return RegoPolicyEngine(POLICIES)


def decide(
    method: str,
    route: str,
    path: dict[str, str] | None = None,
    scopes: frozenset[str] = frozenset(),
    roles: frozenset[str] = frozenset(),
    bootstrap: bool = False,
) -> Decision:
    """The engine's decision for one caller of ``OWN`` (uncached: the policy really runs);
    ``bootstrap``: a bootstrap token's holder (no agent)."""
    principal = Principal(
        subject=None if bootstrap else AgentId("agent-1"),
        organization_id=OWN,
        scopes=scopes,
        roles=roles,
        bootstrap=BootstrapGrant("p-1", 0) if bootstrap else None,
    )
    request = AccessRequest(method, route, principal, path or {})
    return engine().evaluate_uncached(policy_input(request))


AGENT = {"agentId": "a-1"}
CREDENTIAL = {"agentId": "a-1", "credentialId": "c-1"}
MINE = {"orgId": OWN}
THEIRS = {"orgId": OTHER}

#: (method, route, path, scopes, roles, expected: "allow" or the first denial's reason)
TABLE = [
    ("POST", "/api/v1/agents", {}, {W}, set(), "allow"),
    ("POST", "/api/v1/agents", {}, {R}, set(), "missing_scope"),
    ("GET", "/api/v1/agents", {}, {R}, set(), "allow"),
    ("GET", "/api/v1/agents", {}, {W}, set(), "missing_scope"),
    ("GET", "/api/v1/agents/{agentId}", AGENT, {R}, set(), "allow"),
    ("PATCH", "/api/v1/agents/{agentId}", AGENT, {R}, set(), "missing_scope"),
    ("DELETE", "/api/v1/agents/{agentId}", AGENT, {W}, set(), "allow"),
    ("POST", "/api/v1/agents/{agentId}/suspend", AGENT, {R}, set(), "missing_scope"),
    ("POST", "/api/v1/agents/{agentId}/reactivate", AGENT, {W}, set(), "allow"),
    ("GET", "/api/v1/agents/{agentId}/credentials", AGENT, {R}, set(), "allow"),
    ("POST", "/api/v1/agents/{agentId}/credentials", AGENT, {R}, set(), "missing_scope"),
    (
        "POST",
        "/api/v1/agents/{agentId}/credentials/{credentialId}/rotate",
        CREDENTIAL,
        {W},
        set(),
        "allow",
    ),
    (
        "DELETE",
        "/api/v1/agents/{agentId}/credentials/{credentialId}",
        CREDENTIAL,
        {R},
        set(),
        "missing_scope",
    ),
    ("GET", "/api/v1/audit", {}, {"audit:read"}, set(), "allow"),
    ("GET", "/api/v1/audit/verify", {}, {R}, set(), "missing_scope"),
    ("GET", "/api/v1/audit/{eventId}", {"eventId": "e"}, {"audit:read"}, set(), "allow"),
    ("GET", "/agent-info", {}, set(), set(), "allow"),
    ("GET", "/api/v1/tiers/status", {}, set(), set(), "allow"),
    ("GET", "/api/v1/organizations", {}, {ORGS}, set(), "allow"),
    ("GET", "/api/v1/organizations", {}, {R}, set(), "missing_scope"),
    ("POST", "/api/v1/organizations", {}, {ORGS}, {"admin"}, "platform_admin_required"),
    ("POST", "/api/v1/organizations", {}, {PLATFORM}, set(), "missing_scope"),
    ("POST", "/api/v1/organizations", {}, {ORGS, PLATFORM}, set(), "allow"),
    ("GET", "/api/v1/organizations/{orgId}", MINE, {ORGS}, set(), "allow"),
    ("GET", "/api/v1/organizations/{orgId}", THEIRS, {ORGS}, {"admin"}, "tenant_mismatch"),
    ("GET", "/api/v1/organizations/{orgId}", THEIRS, {ORGS, PLATFORM}, set(), "allow"),
    ("PATCH", "/api/v1/organizations/{orgId}", MINE, {ORGS}, {"member"}, "role_required"),
    ("PATCH", "/api/v1/organizations/{orgId}", MINE, {ORGS}, {"admin"}, "allow"),
    ("PATCH", "/api/v1/organizations/{orgId}", THEIRS, {ORGS}, {"admin"}, "tenant_mismatch"),
    ("DELETE", "/api/v1/organizations/{orgId}", MINE, {ORGS}, {"admin"}, "platform_admin_required"),
    ("DELETE", "/api/v1/organizations/{orgId}", THEIRS, {ORGS, PLATFORM}, set(), "allow"),
    ("GET", "/api/v1/organizations/{orgId}/members", MINE, {ORGS}, {"member"}, "allow"),
    ("POST", "/api/v1/organizations/{orgId}/members", MINE, {ORGS}, set(), "role_required"),
    ("POST", "/api/v1/organizations/{orgId}/members", MINE, {ORGS}, {"admin"}, "allow"),
    (
        "DELETE",
        "/api/v1/organizations/{orgId}/members/{agentId}",
        {**MINE, **AGENT},
        {ORGS},
        {"admin"},
        "allow",
    ),
    (
        "DELETE",
        "/api/v1/organizations/{orgId}/members/{agentId}",
        {**THEIRS, **AGENT},
        {ORGS},
        {"admin"},
        "tenant_mismatch",
    ),
    (
        "POST",
        "/api/v1/organizations/{orgId}/agents",
        MINE,
        {ORGS},
        {"admin"},
        "platform_admin_required",
    ),
    ("POST", "/api/v1/organizations/{orgId}/agents", THEIRS, {ORGS, PLATFORM}, set(), "allow"),
    ("GET", "/api/v1/unknown", {}, set(KNOWN_SCOPES), {"admin"}, "no_policy"),
    ("PUT", "/api/v1/agents/{agentId}", AGENT, set(KNOWN_SCOPES), {"admin"}, "no_policy"),
]


@pytest.mark.parametrize(
    ("method", "route", "path", "scopes", "roles", "expected"),
    TABLE,
    ids=[f"{row[0]} {row[1]} {sorted(row[3])} {sorted(row[4])}" for row in TABLE],
)
def test_decision_table(
    method: str,
    route: str,
    path: dict[str, str],
    scopes: set[str],
    roles: set[str],
    expected: str,
) -> None:
    """Each route allows exactly the scopes, tenants and roles its policy names."""
    decision = decide(method, route, path, frozenset(scopes), frozenset(roles))

    if expected == "allow":
        assert decision == Decision(allow=True)
    else:
        assert not decision.allow
        assert decision.primary is not None
        assert decision.primary.reason == expected
        assert decision.primary.message


def test_a_scope_denial_names_the_scopes_that_would_do() -> None:
    """The 403 challenge tells the client which scope to ask for."""
    decision = decide("GET", "/api/v1/organizations", {}, frozenset({R}))

    assert decision.primary is not None
    assert decision.primary.code == "INSUFFICIENT_SCOPE"
    assert decision.primary.scopes == (ORGS,)


def test_a_foreign_organization_is_an_authorization_error_whatever_else_is_wrong() -> None:
    """Another tenant's resource is 403 AUTHORIZATION_ERROR even when a scope is missing too."""
    decision = decide("PATCH", "/api/v1/organizations/{orgId}", THEIRS)

    assert [denial.reason for denial in decision.reasons] == [
        "tenant_mismatch",
        "role_required",
        "missing_scope",
    ]
    assert decision.primary is not None
    assert decision.primary.code == "AUTHORIZATION_ERROR"


route_keys = st.sampled_from(sorted(ROUTES))
scope_sets = st.frozensets(st.sampled_from(sorted(KNOWN_SCOPES)))
role_sets = st.frozensets(st.sampled_from(["admin", "member"]))


@given(route_keys, scope_sets, role_sets, st.booleans(), st.booleans())
def test_the_engine_agrees_with_the_route_table(
    key: str, scopes: frozenset[str], roles: frozenset[str], own_organization: bool, boot: bool
) -> None:
    """Differential property: allowed exactly when the table's scope, the tenant, the role
    and the bootstrap conditions all hold, for every route, scope set, role set, target
    organization and kind of caller."""
    method, route = key.split(" ", 1)
    entry = ROUTES[key]
    path = {"orgId": OWN if own_organization else OTHER} if "{orgId}" in route else {}
    platform = PLATFORM in scopes
    expected = (
        ("scopes" not in entry or bool(scopes & set(entry["scopes"])))
        and (own_organization or platform or "{orgId}" not in route)
        and ("role" not in entry or entry["role"] in roles or platform)
        and (not entry.get("platform") or platform)
        and (not boot or entry.get("bootstrap") is True)
    )

    assert decide(method, route, path, scopes, roles, bootstrap=boot).allow is expected


@given(scope_sets, role_sets)
def test_decisions_are_memoised_without_changing_them(
    scopes: frozenset[str], roles: frozenset[str]
) -> None:
    """The cached path answers exactly what the policy answers."""
    principal = Principal(subject=AgentId("a"), organization_id=OWN, scopes=scopes, roles=roles)
    document = policy_input(
        AccessRequest("PATCH", "/api/v1/organizations/{orgId}", principal, MINE)
    )

    assert engine().evaluate(document) == engine().evaluate_uncached(document)
    assert engine().evaluate(document) == engine().evaluate_uncached(document)
