"""The isolation matrix's machinery: routes read from the app itself, requests synthesised
from its OpenAPI document and aimed at another tenant's resources, and that tenant's state.

Nothing here lists the API's routes: :func:`tenant_routes` reads them from the Litestar
route table, so a route added later is attacked without editing the matrix. What the matrix
needs to know about a route is derived too: its path parameters (resolved to the victim's
ids by :meth:`Victim.resolve`, which FAILS for a name it does not know, so a new kind of
resource forces someone to teach it), its query parameters and its request body schema.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from agentidp.application.ports import tenant_context
from agentidp.application.ports.repositories import AgentFilter, AuditFilter, Page
from agentidp.application.ports.tenant_context import ALL_TENANTS
from agentidp.domain.ids import OrganizationId
from agentidp.entrypoints.container import Container

#: Routes anyone may call without a token, hence outside the matrix (each with its reason).
#: Keep this tiny: every other route is attacked.
PUBLIC_PREFIXES: Final = (
    "/health",  # liveness and dependency status, no tenant data
    "/.well-known/",  # discovery documents and the JWKS (public keys)
    "/agent-info",  # discovery: what this IdP is
    "/schema",  # the OpenAPI document and its viewers
    "/api-docs",  # redirect to the viewer
)
PUBLIC_ROUTES: Final = frozenset({("POST", "/api/v1/token")})  # clients authenticate here
#: Methods Litestar answers itself (CORS preflight, HEAD of a GET).
_FRAMEWORK_METHODS: Final = frozenset({"OPTIONS", "HEAD"})
_PARAMETER: Final = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


@dataclass(frozen=True, slots=True)
class Route:
    """One (method, path template) of the app, e.g. ``GET /api/v1/agents/{agent_id}``."""

    method: str
    path: str

    @property
    def parameters(self) -> list[str]:
        """The path parameters' names, in order."""
        return _PARAMETER.findall(self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def tenant_routes(app: Litestar) -> list[Route]:
    """Every route of ``app`` that is not public, from its own route table."""
    found = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        path = _PARAMETER.sub(lambda match: "{" + match.group(1) + "}", route.path)
        for method in route.route_handler_map:
            if method in _FRAMEWORK_METHODS or (method, path) in PUBLIC_ROUTES:
                continue
            if not path.startswith(PUBLIC_PREFIXES):
                found.add(Route(method, path))
    return sorted(found, key=str)


def _key(name: str) -> str:
    """``agent_id``, ``agentId`` and ``AgentID`` all become ``agentid``."""
    return name.replace("_", "").replace("-", "").lower()


@dataclass(frozen=True, slots=True)
class Victim:
    """Organization A as B's requests see it: the ids they aim at (``resolve``), and what they
    must never reveal (``hidden``).

    ``hidden`` holds what B never sends anywhere: the administrator's and a second agent's
    ids, every email, secret and token of A but the targeted one. The targeted ids are not
    looked for in responses: an error may echo the id it was asked about, and B's own audit
    trail may record that B asked (that is B's data).
    """

    organization_id: str
    agent_id: str
    credential_id: str
    event_id: str
    token: str
    hidden: tuple[str, ...]
    #: A delegation chain of A (from its administrator to the targeted agent).
    chain_id: str = ""
    #: A GitHub OIDC trust policy of A (binding the targeted agent).
    policy_id: str = ""

    def resolve(self, name: str) -> str:
        """A's value for a path, query or body field named ``name``.

        Fails the test for a name it does not know: teach it the new resource (create one in
        A and map the name here) rather than skipping the route.
        """
        values = {
            "agentid": self.agent_id,
            "clientid": self.agent_id,
            "memberid": self.agent_id,  # memberships are addressed by their agent
            "credentialid": self.credential_id,
            "eventid": self.event_id,
            "auditeventid": self.event_id,
            "orgid": self.organization_id,
            "organizationid": self.organization_id,
            "token": self.token,
            "chainid": self.chain_id,
            "parentchainid": self.chain_id,
            "delegateeagentid": self.agent_id,
            "policyid": self.policy_id,
            # GitHub's ids of a repository (not A's resources): any well-formed value.
            "repositoryownerid": GITHUB_ID,
            "repositoryid": GITHUB_ID,
            # Federation partners are deployment-wide, nobody's tenant data (docs/adr/0013):
            # any well-formed id; their routes are platform-only, so B is refused first.
            "partnerid": FEDERATION_PARTNER_ID,
        }
        value = values.get(_key(name))
        if value is None:
            pytest.fail(
                f"the isolation matrix cannot resolve {name!r}: create such a resource in "
                "organization A and teach Victim.resolve (tests/e2e/isolation_support.py)"
            )
        return value

    def knows(self, name: str) -> bool:
        """True for names :meth:`resolve` maps (query parameters are attacked only then)."""
        return _key(name) in {
            "agentid",
            "clientid",
            "memberid",
            "credentialid",
            "eventid",
            "auditeventid",
            "orgid",
            "organizationid",
            "chainid",
        }

    def leaks(self, text: str) -> list[str]:
        """What of :attr:`hidden` occurs in ``text``."""
        return [needle for needle in self.hidden if needle in text]


#: A GitHub numeric id for trust-policy bodies.
GITHUB_ID = "424242"
#: A federation partner id (a UUID) for the platform-only partner routes.
FEDERATION_PARTNER_ID = "00000000-0000-4000-8000-00000000f0ed"


def is_id_like(name: str) -> bool:
    """A field naming a resource: ``id``, ``*Id``, ``*_id``."""
    return name == "id" or name.endswith(("Id", "_id", "ID"))


class RequestBuilder:
    """Query strings and bodies for a route, from the app's OpenAPI document, aimed at A."""

    def __init__(self, app: Litestar, victim: Victim) -> None:
        self._document = app.openapi_schema.to_schema()
        self._victim = victim

    def operation(self, route: Route) -> Mapping[str, Any]:
        """The route's OpenAPI operation (empty if the route is not documented)."""
        item = self._document.get("paths", {}).get(route.path, {})
        return dict(item.get(route.method.lower(), {}))

    def query(self, route: Route) -> dict[str, str]:
        """Every documented query parameter that names a resource, set to A's id, plus an
        undocumented ``organizationId`` (a handler must never take its tenant from there)."""
        names = [
            parameter["name"]
            for parameter in self.operation(route).get("parameters", [])
            if parameter.get("in") == "query" and self._victim.knows(parameter["name"])
        ]
        return {name: self._victim.resolve(name) for name in ["organizationId", *names]}

    def body(self, route: Route) -> tuple[str, Any] | None:
        """``("json" | "data", payload)`` for the route's request body, or ``None``."""
        content = self.operation(route).get("requestBody", {}).get("content", {})
        for media_type, kind in (
            ("application/json", "json"),
            ("application/x-www-form-urlencoded", "data"),
        ):
            if media_type in content:
                return kind, self._value("body", content[media_type].get("schema", {}))
        return None

    def _resolve_ref(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in schema:
            name = str(schema["$ref"]).rsplit("/", 1)[-1]
            schema = self._document["components"]["schemas"][name]
        return schema

    def _value(self, name: str, schema: Mapping[str, Any]) -> Any:
        schema = self._resolve_ref(schema)
        if is_id_like(name) or _key(name) == "token":
            return self._victim.resolve(name)
        if "email" in _key(name):  # unique across the deployment: never reuse an example
            return f"probe-{uuid.uuid4().hex[:12]}@isolation.example"
        if "oneOf" in schema or "anyOf" in schema:
            options = [self._resolve_ref(o) for o in schema.get("oneOf", schema.get("anyOf", []))]
            usable = [o for o in options if o.get("type") != "null"]
            return self._value(name, {**usable[0], **_constraints(schema)}) if usable else None
        if "examples" in schema:
            return schema["examples"][0]
        if "enum" in schema:
            return schema["enum"][0]
        return self._typed(name, schema)

    def _typed(self, name: str, schema: Mapping[str, Any]) -> Any:
        kind = schema.get("type", "object")
        if kind == "object":
            return self._object(schema)
        if kind == "array":
            count = int(schema.get("minItems", 0))
            return [self._value(name, schema.get("items", {})) for _ in range(count)]
        if kind in ("integer", "number"):
            return schema.get("minimum", 1)
        if kind == "boolean":
            return False
        if schema.get("format") == "date-time":
            return "2099-01-01T00:00:00Z"
        return "isolation-probe"

    def _object(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        """Required fields, every id-like field, and (if nothing else) one writable field, so
        that an update route has something to change."""
        properties = {
            name: spec
            for name, spec in dict(schema.get("properties", {})).items()
            if not self._resolve_ref(spec).get("readOnly")
        }
        required = set(schema.get("required", []))
        chosen = [n for n in properties if n in required or is_id_like(n) or _key(n) == "token"]
        if not chosen and properties:
            chosen = [next(iter(properties))]
        return {name: self._value(name, properties[name]) for name in chosen}


def _constraints(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf", "description")}


async def snapshot(container: Container, victim: Victim) -> dict[str, Any]:
    """Everything A has (and the deployment's set of organizations), read as the operator."""
    organization_id = OrganizationId(victim.organization_id)
    with tenant_context.scope(ALL_TENANTS):
        uow = container.uow()()  # the store's factory, then a unit acting for every tenant
    async with uow:
        agents, _ = await uow.agents.list(AgentFilter(organization_id), Page(size=100))
        credentials = [await uow.credentials.list_by_agent(agent.id) for agent in agents]
        events, _ = await uow.audit.query(AuditFilter(organization_id), Page(size=100))
        memberships = getattr(uow, "memberships", None)
        members = (
            (await memberships.list(organization_id, Page(size=100)))[0] if memberships else ()
        )
        organizations = await uow.organizations.list_all()
        delegations = getattr(uow, "delegations", None)
        trust_policies = getattr(uow, "trust_policies", None)
        chain = await delegations.get(victim.chain_id) if delegations and victim.chain_id else None
        return {
            "delegation": _plain(chain),
            "trust_policies": _plain(
                await trust_policies.list(organization_id) if trust_policies else ()
            ),
            "organization": _plain(await uow.organizations.get(organization_id)),
            "agents": _plain(agents),
            "credentials": _plain(credentials),
            "audit": _plain(events),
            "members": _plain(members),
            "organizations": sorted(o.id for o in organizations),
        }


def _plain(value: Any) -> Any:
    """Comparable plain data (dataclasses as dicts, sequences as lists)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping):
        return [_plain(item) for item in value]
    return value
