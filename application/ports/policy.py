"""The policy decision point (PDP): may this authenticated caller use this route?

The HTTP layer asks the PDP once per authenticated request, after the bearer token is
verified and before the handler runs. Policies are Rego (``policies/``), evaluated
in-process or by an OPA server; this port hides which.

The input document every engine receives (:func:`policy_input`)::

    {
      "method": "PATCH",                                  # upper-case HTTP method
      "route": "/api/v1/organizations/{orgId}",           # path template, camelCase params
      "path": {"orgId": "5f0c..."},                       # the request's path parameters
      "principal": {
        "sub": "agent id" | null,                         # null for the local operator
        "organization_id": "5f0c...",                     # from the verified token only
        "scopes": ["admin:orgs", ...],                    # sorted
        "roles": ["admin"],                               # membership roles, sorted
        "platform_admin": false,                          # holds admin:platform
        "bootstrap": false                                # a bootstrap token's holder
      }
    }

The result document (package ``agentidp.authz``) has ``allow`` (boolean, default false)
and ``deny``, a set of ``{reason, code, message, scopes?}`` objects explaining a refusal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from ..errors import PolicyUnavailable
from ..principal import Principal

__all__ = [
    "AccessRequest",
    "Decision",
    "Denial",
    "PolicyDecisionPoint",
    "PolicyUnavailable",
    "policy_input",
]

#: Error code of a denial that is about scopes; every other denial is ``AUTHORIZATION_ERROR``.
INSUFFICIENT_SCOPE: Final = "INSUFFICIENT_SCOPE"
AUTHORIZATION_ERROR: Final = "AUTHORIZATION_ERROR"


@dataclass(frozen=True, slots=True)
class AccessRequest:
    """What is being asked: ``method`` on the route ``route`` (a path template such as
    ``/api/v1/agents/{agentId}``) with ``path`` parameters, by ``principal``."""

    method: str
    route: str
    principal: Principal
    path: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Denial:
    """One reason a policy gives for refusing: a stable ``reason`` id (``missing_scope``,
    ``tenant_mismatch``, ``role_required``, ``no_policy``...), the error ``code`` the caller
    sees, a human ``message`` and, for scope denials, the scopes that would satisfy it."""

    reason: str
    code: str
    message: str
    scopes: tuple[str, ...] = ()


#: The denial reported when a policy says "no" without saying why.
DENIED_BY_DEFAULT: Final = Denial(
    reason="denied_by_default",
    code=AUTHORIZATION_ERROR,
    message="No policy allows this operation.",
)


@dataclass(frozen=True, slots=True)
class Decision:
    """The PDP's answer. ``reasons`` is empty when ``allow`` is true and never empty when it
    is false (an unexplained refusal carries :data:`DENIED_BY_DEFAULT`)."""

    allow: bool
    reasons: tuple[Denial, ...] = ()

    @classmethod
    def deny(cls, *reasons: Denial) -> Decision:
        """A refusal; reasons sorted so that tenant and role refusals come before scope ones
        (another organization's resource is ``AUTHORIZATION_ERROR`` whatever the scope)."""
        ordered = sorted(reasons or (DENIED_BY_DEFAULT,), key=_denial_order)
        return cls(allow=False, reasons=tuple(ordered))

    @property
    def primary(self) -> Denial | None:
        """The reason shown to the caller (the first one), ``None`` when allowed."""
        return self.reasons[0] if self.reasons else None


#: Which refusal the caller is told about first: the broadest one.
_PRIORITY: Final = {"no_policy": 0, "tenant_mismatch": 1, "role_required": 2}


def _denial_order(denial: Denial) -> tuple[bool, int, str, str]:
    return (
        denial.code == INSUFFICIENT_SCOPE,
        _PRIORITY.get(denial.reason, len(_PRIORITY)),
        denial.reason,
        denial.message,
    )


class PolicyDecisionPoint(Protocol):
    """Decides whether a caller may use a route.

    ``decide`` never returns ``allow=True`` by default: a route without a policy, an input
    the policy does not understand or an undefined result is a refusal. The PDP does not
    load resources, so it cannot tell whether an agent id in the path belongs to the
    caller's organization; the use cases still check that (defence in depth).
    """

    async def decide(self, request: AccessRequest) -> Decision:
        """Evaluate the policies for ``request``.

        Raises:
            PolicyUnavailable: the policies cannot be evaluated (broken policy, OPA down,
                timeout, malformed answer). Callers must refuse the request (fail closed).
        """
        ...


def policy_input(request: AccessRequest) -> dict[str, Any]:
    """The input document for ``request`` (the shape is in this module's docstring)."""
    principal = request.principal
    return {
        "method": request.method.upper(),
        "route": request.route,
        "path": dict(request.path),
        "principal": {
            "sub": principal.subject,
            "organization_id": principal.organization_id,
            "scopes": sorted(principal.scopes),
            "roles": sorted(principal.roles),
            "platform_admin": principal.is_platform_admin,
            "bootstrap": principal.bootstrap is not None,
        },
    }
