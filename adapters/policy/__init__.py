"""Policy decision point adapters: Rego evaluated in-process (regopy) or by an OPA server."""

from .opa_http import OpaHttpPolicyEngine
from .rego_engine import RegoPolicyEngine

__all__ = ["OpaHttpPolicyEngine", "RegoPolicyEngine"]
