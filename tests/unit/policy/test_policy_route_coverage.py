"""Every authenticated route of the app has a policy: derived from the Litestar route table,
so a route added later without a policy entry fails here (and is denied at run time)."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest
from litestar import Litestar

from agentidp.adapters.policy import RegoPolicyEngine
from agentidp.application.ports.policy import AccessRequest, policy_input
from agentidp.application.principal import Principal
from agentidp.domain.ids import AgentId, OrganizationId
from agentidp.domain.scopes import KNOWN_SCOPES
from agentidp.entrypoints.container import build_container
from agentidp.entrypoints.http.app import create_app
from agentidp.entrypoints.http.authorization import authenticated_routes, camel, policy_route
from agentidp.entrypoints.settings import Settings

POLICIES = Path(str(files("agentidp.policies")))
ROUTES = json.loads((POLICIES / "data.json").read_text())["agentidp"]["routes"]
OWN = OrganizationId("0b0e0000-0000-4000-8000-00000000000a")


@pytest.fixture(scope="module")
def app() -> Litestar:
    """The full application (memory store; nothing is started)."""
    return create_app(build_container(Settings(database_url="memory://")))


@pytest.fixture(scope="module")
def routes(app: Litestar) -> list[tuple[str, str]]:
    """``(method, route)`` of every handler that depends on the authenticated caller."""
    return sorted(set(authenticated_routes(app)))


def test_the_route_table_is_derived_from_the_app(routes: list[tuple[str, str]]) -> None:
    """The derivation finds the authenticated routes and none of the public ones."""
    assert ("GET", "/api/v1/agents/{agentId}") in routes
    assert ("GET", "/agent-info") in routes
    assert ("POST", "/api/v1/agents/{agentId}/credentials/{credentialId}/rotate") in routes
    public = {"/health", "/api/v1/token", "/api/v1/token/introspect", "/.well-known/jwks.json"}
    assert not public & {route for _, route in routes}


def test_every_authenticated_route_has_a_policy_entry(routes: list[tuple[str, str]]) -> None:
    """A route without an entry would be denied to everybody: write its policy."""
    missing = [f"{method} {route}" for method, route in routes if f"{method} {route}" not in ROUTES]

    assert missing == []


def test_every_authenticated_route_is_reachable_by_a_platform_admin(
    routes: list[tuple[str, str]],
) -> None:
    """An entry that nobody can satisfy is a typo (a scope that does not exist, say)."""
    engine = RegoPolicyEngine(POLICIES)
    admin = Principal(
        subject=AgentId("root"),
        organization_id=OWN,
        scopes=frozenset(KNOWN_SCOPES),
        roles=frozenset({"admin"}),
    )
    refused = []
    for method, route in routes:
        path = {name: OWN for name in _parameters(route)}
        decision = engine.evaluate_uncached(policy_input(AccessRequest(method, route, admin, path)))
        if not decision.allow:
            refused.append((method, route, decision.reasons))

    assert refused == []


def test_route_table_scopes_are_known_scopes() -> None:
    """A misspelt scope in data.json would make its route unreachable."""
    named = {scope for entry in ROUTES.values() for scope in entry.get("scopes", [])}

    assert named <= set(KNOWN_SCOPES)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("/api/v1/agents/{agent_id:str}", "/api/v1/agents/{agentId}"),
        (
            "/api/v1/agents/{agent_id}/credentials/{credential_id:uuid}",
            "/api/v1/agents/{agentId}/credentials/{credentialId}",
        ),
        ("/api/v1/organizations/{org_id:str}", "/api/v1/organizations/{orgId}"),
        ("/api/v1/organizations/{orgId}", "/api/v1/organizations/{orgId}"),
        ("/agent-info", "/agent-info"),
    ],
)
def test_policy_route_names_parameters_in_camel_case(template: str, expected: str) -> None:
    """Litestar's templates (typed, snake_case) become the policies' names."""
    assert policy_route(template) == expected
    assert camel("organization_id") == "organizationId"


def _parameters(route: str) -> list[str]:
    return [part[1:-1] for part in route.split("/") if part.startswith("{")]
