"""The Rego policies AgentIdP ships (package data ``agentidp.policies``): see docs/policies.md."""
