# AgentIdP authorization policy: may an authenticated caller use a route?
#
# Input (built by the HTTP layer; the shape is documented in application/ports/policy.py):
#   {"method": "GET", "route": "/api/v1/agents/{agentId}", "path": {"agentId": "..."},
#    "principal": {"sub": "...", "organization_id": "...", "scopes": [...], "roles": [...],
#                  "platform_admin": false, "bootstrap": false}}
#
# Output: the package document. `allow` is true only when the route has an entry in
# data.agentidp.routes (policies/data.json) AND no `deny` reason applies; `deny` explains
# every refusal. Each check is written so that a missing or malformed input field denies
# rather than passes.
#
# The decision is a pure function of (input, routes) so that policy tests call it directly:
# the embedded evaluator (regopy 1.5.2) crashes on `with` over rules that call built-ins.
package agentidp.authz

import rego.v1

default allow := false

allow := verdict.allow

deny := verdict.deny

# Evaluated once per query (a complete rule), read by `allow` and `deny`.
verdict := decision(input, data.agentidp.routes)

# The path parameter that names an organization; any route carrying it is tenant-scoped.
tenant_parameter := "orgId"

decision(request, routes) := {"allow": count(reasons) == 0, "deny": reasons} if {
	route := object.get(routes, route_key(request), null)
	reasons := ((((missing_policy(route) | missing_scope(request, route)) | not_platform(request, route)) | wrong_tenant(request)) | missing_role(request, route)) | bootstrap_outside(request, route)
}

route_key(request) := concat(" ", [object.get(request, "method", ""), object.get(request, "route", "")])

principal(request) := object.get(request, "principal", {})

platform_admin(request) if principal(request).platform_admin == true

# Deny by default: a route nobody wrote a policy for is refused (and its test fails).
missing_policy(route) := {denial |
	route == null
	denial := {
		"reason": "no_policy",
		"code": "AUTHORIZATION_ERROR",
		"message": "No policy allows this operation.",
	}
}

# Scope: the token must carry one of the route's scopes. A route without a `scopes` key
# needs only a valid token; an empty list can never be satisfied (fails closed).
missing_scope(request, route) := {denial |
	route != null
	scopes := route.scopes
	not scope_granted(request, scopes)
	denial := {
		"reason": "missing_scope",
		"code": "INSUFFICIENT_SCOPE",
		"message": concat("", ["The access token lacks the scope this operation requires (one of: ", concat(", ", scopes), ")."]),
		"scopes": scopes,
	}
}

scope_granted(request, scopes) if {
	some scope in scopes
	scope in principal(request).scopes
}

# Platform routes (creating and deleting organizations, their first administrator) are
# for deployment administrators only, whatever the caller's role in its own organization.
not_platform(request, route) := {denial |
	route != null
	route.platform == true
	not platform_admin(request)
	denial := {
		"reason": "platform_admin_required",
		"code": "INSUFFICIENT_SCOPE",
		"message": "Only a platform administrator (scope admin:platform) may do this.",
		"scopes": ["admin:platform"],
	}
}

# Tenant match: stops a caller from reaching another organization through its id in the
# path. Only platform administrators manage organizations other than their own.
wrong_tenant(request) := {denial |
	organization := request.path[tenant_parameter]
	not same_tenant(request, organization)
	not platform_admin(request)
	denial := {
		"reason": "tenant_mismatch",
		"code": "AUTHORIZATION_ERROR",
		"message": "You do not have permission to access this resource.",
	}
}

same_tenant(request, organization) if organization == principal(request).organization_id

# Role: some changes need the caller's membership role (e.g. `admin`) in the organization,
# not just a scope; platform administrators hold every role.
missing_role(request, route) := {denial |
	route != null
	role := route.role
	not has_role(request, role)
	not platform_admin(request)
	denial := {
		"reason": "role_required",
		"code": "AUTHORIZATION_ERROR",
		"message": concat("", ["This operation requires the organization role ", role, "."]),
	}
}

has_role(request, role) if role in principal(request).roles

# Bootstrap tokens (a GitHub workflow's "register one agent" token, docs/oidc-github.md)
# reach only the routes marked `"bootstrap": true`. Any `bootstrap` value other than
# `false` (or absent) counts as a bootstrap caller: a malformed marker denies.
bootstrap_caller(request) if object.get(principal(request), "bootstrap", false) != false

bootstrap_outside(request, route) := {denial |
	bootstrap_caller(request)
	not bootstrap_route(route)
	denial := {
		"reason": "bootstrap_token",
		"code": "AUTHORIZATION_ERROR",
		"message": "A bootstrap token may only register an agent.",
	}
}

bootstrap_route(route) if route.bootstrap == true
