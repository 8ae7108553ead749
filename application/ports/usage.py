"""Usage counters behind the tier limits: agents per organization, tokens per month."""

from __future__ import annotations

from typing import Protocol

from agentidp.domain.ids import OrganizationId


class UsageCounters(Protocol):
    """Per-organization usage, read and limited inside a unit of work (``uow.usage``).

    The agents counter follows the agents themselves: adding an agent that is not
    decommissioned counts it and decommissioning one uncounts it, in the same commit, whatever
    the use case (the adapter or the schema maintains it). Tokens are counted only through
    :meth:`count_token`. The limiting methods stage a check that runs at ``commit`` on the
    latest committed value, so limits hold exactly under any number of concurrent writers;
    when a check fails the whole unit of work is rolled back.

    No tenancy or permission check; limits of ``None`` (unlimited) are the caller's to skip.
    """

    async def agents(self, organization_id: OrganizationId) -> int:
        """Registered agents of the organization that are not decommissioned (committed)."""
        ...

    async def tokens(self, organization_id: OrganizationId, month: str) -> int:
        """Tokens counted for the organization in ``month`` (``YYYY-MM``, UTC; committed)."""
        ...

    async def limit_agents(self, organization_id: OrganizationId, limit: int) -> None:
        """Stage the rule "after this unit of work the organization has at most ``limit``
        agents"; call it after staging the ``agents.add``.

        ``commit`` raises ``AgentLimitReached`` (naming ``limit``) when the rule fails.
        """
        ...

    async def count_token(self, organization_id: OrganizationId, month: str, limit: int) -> None:
        """Stage one more token for ``month`` (``YYYY-MM``), allowed only below ``limit``.

        ``commit`` raises ``TokenQuotaExhausted`` (naming ``limit``) when ``limit`` tokens
        were already counted for that month.
        """
        ...
