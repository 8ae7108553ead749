# Policy tests: every `test_` rule must be true. Run by tests/unit/policy/test_rego_policies.py
# through the embedded evaluator (and by `opa test policies/` where OPA is installed). They
# call authz.decision directly instead of using `with input as`, which crashes regopy 1.5.2.
package agentidp.authz_test

import rego.v1

import data.agentidp.authz

routes := data.agentidp.routes

org_a := "0b0e0000-0000-4000-8000-00000000000a"

org_b := "0b0e0000-0000-4000-8000-00000000000b"

caller(scopes, roles) := {
	"sub": "agent-1",
	"organization_id": org_a,
	"scopes": scopes,
	"roles": roles,
	"platform_admin": "admin:platform" in scopes,
}

request(method, route, path, principal) := {
	"method": method,
	"route": route,
	"path": path,
	"principal": principal,
}

allowed(method, route, path, principal) if {
	authz.decision(request(method, route, path, principal), routes).allow == true
}

reasons(method, route, path, principal) := {denial.reason |
	some denial in authz.decision(request(method, route, path, principal), routes).deny
}

test_reading_an_agent_with_agents_read_is_allowed if {
	allowed("GET", "/api/v1/agents/{agentId}", {"agentId": "x"}, caller(["agents:read"], []))
}

test_writing_an_agent_without_agents_write_is_denied_for_the_scope if {
	not allowed("PATCH", "/api/v1/agents/{agentId}", {"agentId": "x"}, caller(["agents:read"], []))
	reasons("PATCH", "/api/v1/agents/{agentId}", {"agentId": "x"}, caller(["agents:read"], [])) == {"missing_scope"}
}

test_a_route_without_a_policy_is_denied_whoever_asks if {
	not allowed("GET", "/api/v1/secrets", {}, caller(["agents:read", "admin:platform"], ["admin"]))
	reasons("GET", "/api/v1/secrets", {}, caller([], [])) == {"no_policy"}
}

test_the_method_is_part_of_the_route if {
	not allowed("PUT", "/api/v1/agents/{agentId}", {"agentId": "x"}, caller(["agents:write"], []))
}

test_an_empty_input_is_denied if {
	authz.decision({}, routes).allow == false
}

test_a_route_needing_only_a_token_is_allowed_without_scopes if {
	allowed("GET", "/agent-info", {}, caller([], []))
	allowed("GET", "/api/v1/tiers/status", {}, caller([], []))
}

test_another_organizations_id_in_the_path_is_denied if {
	not allowed("GET", "/api/v1/organizations/{orgId}", {"orgId": org_b}, caller(["admin:orgs"], ["admin"]))
	reasons("GET", "/api/v1/organizations/{orgId}", {"orgId": org_b}, caller(["admin:orgs"], ["admin"])) == {"tenant_mismatch"}
}

test_the_callers_own_organization_is_allowed if {
	allowed("GET", "/api/v1/organizations/{orgId}", {"orgId": org_a}, caller(["admin:orgs"], []))
}

test_a_missing_organization_claim_never_matches if {
	principal := object.remove(caller(["admin:orgs"], ["admin"]), ["organization_id"])
	not allowed("GET", "/api/v1/organizations/{orgId}", {"orgId": org_a}, principal)
}

test_a_platform_admin_reaches_any_organization if {
	allowed("PATCH", "/api/v1/organizations/{orgId}", {"orgId": org_b}, caller(["admin:orgs", "admin:platform"], []))
	allowed("GET", "/api/v1/organizations/{orgId}/members", {"orgId": org_b}, caller(["admin:orgs", "admin:platform"], []))
}

test_a_platform_admin_still_needs_the_routes_scope if {
	reasons("PATCH", "/api/v1/organizations/{orgId}", {"orgId": org_b}, caller(["admin:platform"], [])) == {"missing_scope"}
}

test_changing_the_organization_needs_the_admin_role if {
	not allowed("PATCH", "/api/v1/organizations/{orgId}", {"orgId": org_a}, caller(["admin:orgs"], ["member"]))
	reasons("PATCH", "/api/v1/organizations/{orgId}", {"orgId": org_a}, caller(["admin:orgs"], ["member"])) == {"role_required"}
	allowed("PATCH", "/api/v1/organizations/{orgId}", {"orgId": org_a}, caller(["admin:orgs"], ["admin"]))
}

test_members_are_added_and_removed_by_admins_only if {
	not allowed("POST", "/api/v1/organizations/{orgId}/members", {"orgId": org_a}, caller(["admin:orgs"], []))
	not allowed("DELETE", "/api/v1/organizations/{orgId}/members/{agentId}", {"orgId": org_a, "agentId": "y"}, caller(["admin:orgs"], ["member"]))
	allowed("DELETE", "/api/v1/organizations/{orgId}/members/{agentId}", {"orgId": org_a, "agentId": "y"}, caller(["admin:orgs"], ["admin"]))
	allowed("GET", "/api/v1/organizations/{orgId}/members", {"orgId": org_a}, caller(["admin:orgs"], []))
}

test_platform_routes_refuse_tenant_admins if {
	reasons("POST", "/api/v1/organizations", {}, caller(["admin:orgs"], ["admin"])) == {"platform_admin_required"}
	not allowed("DELETE", "/api/v1/organizations/{orgId}", {"orgId": org_a}, caller(["admin:orgs"], ["admin"]))
	not allowed("POST", "/api/v1/organizations/{orgId}/agents", {"orgId": org_a}, caller(["admin:orgs"], ["admin"]))
	allowed("POST", "/api/v1/organizations/{orgId}/agents", {"orgId": org_b}, caller(["admin:orgs", "admin:platform"], []))
}

test_listing_organizations_is_open_to_tenant_and_platform_admins if {
	allowed("GET", "/api/v1/organizations", {}, caller(["admin:orgs"], []))
	allowed("GET", "/api/v1/organizations", {}, caller(["admin:orgs", "admin:platform"], []))
	not allowed("GET", "/api/v1/organizations", {}, caller(["agents:read"], []))
}

test_a_platform_flag_that_is_not_true_grants_nothing if {
	principal := object.union(caller(["admin:orgs"], ["admin"]), {"platform_admin": "true"})
	not allowed("GET", "/api/v1/organizations/{orgId}", {"orgId": org_b}, principal)
}

test_an_empty_scope_list_is_never_satisfied if {
	narrowed := {"GET /agent-info": {"scopes": []}}
	authz.decision(request("GET", "/agent-info", {}, caller(["agents:read"], [])), narrowed).allow == false
}

test_every_denial_explains_itself if {
	denials := authz.decision(request("PATCH", "/api/v1/organizations/{orgId}", {"orgId": org_b}, caller([], [])), routes).deny
	count(denials) == 3
	{denial.reason | some denial in denials} == {"tenant_mismatch", "role_required", "missing_scope"}
	every denial in denials {
		denial.code in {"AUTHORIZATION_ERROR", "INSUFFICIENT_SCOPE"}
		denial.message != ""
	}
}

bootstrap_caller := {
	"sub": null,
	"organization_id": org_a,
	"scopes": ["agents:write"],
	"roles": [],
	"platform_admin": false,
	"bootstrap": true,
}

test_a_bootstrap_token_may_register_an_agent if {
	allowed("POST", "/api/v1/agents", {}, bootstrap_caller)
}

test_a_bootstrap_token_reaches_no_other_agents_write_route if {
	not allowed("PATCH", "/api/v1/agents/{agentId}", {"agentId": "x"}, bootstrap_caller)
	reasons("PATCH", "/api/v1/agents/{agentId}", {"agentId": "x"}, bootstrap_caller) == {"bootstrap_token"}
	not allowed("POST", "/api/v1/agents/{agentId}/credentials", {"agentId": "x"}, bootstrap_caller)
}

test_a_bootstrap_token_reaches_no_route_open_to_any_token if {
	not allowed("GET", "/agent-info", {}, bootstrap_caller)
	not allowed("POST", "/api/v1/oauth2/token/delegate", {}, bootstrap_caller)
}

test_a_malformed_bootstrap_marker_counts_as_bootstrap if {
	odd := object.union(bootstrap_caller, {"bootstrap": "yes"})
	not allowed("GET", "/agent-info", {}, odd)
	allowed("GET", "/agent-info", {}, object.union(bootstrap_caller, {"bootstrap": false}))
}
