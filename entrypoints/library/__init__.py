"""AgentIdP: an identity provider for AI agents.

Run it as a server with ``agentidp serve``, drive it from the shell with the ``agentidp``
command, or embed it in a Python program::

    from agentidp import AgentIdP

    async with AgentIdP.open("./idp-data") as idp:
        boot = await idp.bootstrap("acme", "Acme Corp", "admin@acme.example")

The public names below are loaded on first use (module ``__getattr__``, PEP 562), so
``import agentidp`` stays cheap: it does not import the web framework, the crypto stack or the
storage adapters until you touch :class:`AgentIdP`. See ``docs/embedding.md``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from agentidp.application.errors import ApplicationError
    from agentidp.application.use_cases.credentials import IssuedSecret
    from agentidp.application.use_cases.organizations import Bootstrapped
    from agentidp.application.use_cases.tokens import IssuedToken
    from agentidp.domain.errors import DomainError
    from agentidp.entrypoints.settings import ConfigurationError

    from .embedded import AgentIdP
    from .tenant import Tenant

__version__: Final = "0.1.0"

#: Public name → module that defines it.
_EXPORTS: Final[dict[str, str]] = {
    "AgentIdP": "agentidp.embedded",
    "Tenant": "agentidp.tenant",
    "Bootstrapped": "agentidp.application.use_cases.organizations",
    "IssuedToken": "agentidp.application.use_cases.tokens",
    "IssuedSecret": "agentidp.application.use_cases.credentials",
    "ApplicationError": "agentidp.application.errors",
    "DomainError": "agentidp.domain.errors",
    "ConfigurationError": "agentidp.entrypoints.settings",
}

__all__ = [
    "AgentIdP",
    "ApplicationError",
    "Bootstrapped",
    "ConfigurationError",
    "DomainError",
    "IssuedSecret",
    "IssuedToken",
    "Tenant",
    "__version__",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first access and cache it on the module."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'agentidp' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
