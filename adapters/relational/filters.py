"""The listing and query filters every relational store shares, each in its own parameter
style: which condition each filter parameter switches on, and the parameters of a query."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from agentidp.application.ports.repositories import AgentFilter, AuditFilter, Page
from agentidp.domain.organization import OrganizationStatus

#: A dialect's placeholder for a named parameter: ``name`` → ``:name`` or ``%(name)s``.
Placeholder = Callable[[str], str]


def agent_filters(param: Placeholder) -> dict[str, str]:
    """Agent listing filters, keyed by the parameter that switches each one on."""
    return {
        "organization_id": f"organization_id = {param('organization_id')}",
        "status": f"status = {param('status')}",
        "owner": f"owner = {param('owner')}",
        "agent_type": f"agent_type = {param('agent_type')}",
    }


def agent_query_params(filter: AgentFilter, page: Page) -> dict[str, Any]:
    """The named parameters of an agent listing: the filter's values (``None`` switches a
    filter off, see :func:`agent_filters`) and the page's ``limit`` and ``offset``."""
    return {
        "organization_id": filter.organization_id,
        "status": None if filter.status is None else filter.status.value,
        "owner": filter.owner,
        "agent_type": None if filter.agent_type is None else str(filter.agent_type),
        "limit": page.size,
        "offset": page.offset,
    }


def organization_filters(param: Placeholder) -> dict[str, str]:
    """Organization listing filters, keyed by the parameter that switches each one on."""
    return {"status": f"status = {param('status')}"}


def organization_query_params(status: OrganizationStatus | None, page: Page) -> dict[str, Any]:
    """The named parameters of an organization listing (``None`` lists every status)."""
    return {
        "status": None if status is None else status.value,
        "limit": page.size,
        "offset": page.offset,
    }


def membership_query_params(organization_id: str, page: Page) -> dict[str, Any]:
    """The named parameters of a membership listing: one organization, one page."""
    return {"organization_id": organization_id, "limit": page.size, "offset": page.offset}


def audit_filters(param: Placeholder) -> dict[str, str]:
    """Audit query filters, keyed by the parameter that switches each one on; bounds are
    inclusive."""
    return {
        "organization_id": f"organization_id = {param('organization_id')}",
        "agent_id": f"agent_id = {param('agent_id')}",
        "action": f"action = {param('action')}",
        "outcome": f"outcome = {param('outcome')}",
        "since": f"occurred_at >= {param('since')}",
        "until": f"occurred_at <= {param('until')}",
    }


def audit_query_params(
    filter: AuditFilter, page: Page, encode_time: Callable[[datetime | None], Any]
) -> dict[str, Any]:
    """The named parameters of an audit query: the filter's values (``None`` switches a
    filter off, see :func:`audit_filters`) and the page's ``limit`` and ``offset``."""
    return {
        "organization_id": filter.organization_id,
        "agent_id": filter.agent_id,
        "action": None if filter.action is None else filter.action.value,
        "outcome": None if filter.outcome is None else filter.outcome.value,
        "since": encode_time(filter.since),
        "until": encode_time(filter.until),
        "limit": page.size,
        "offset": page.offset,
    }
