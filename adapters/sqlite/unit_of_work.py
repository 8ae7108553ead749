"""SQLite unit of work: stages writes, then commits them through the store's writer thread."""

from __future__ import annotations

from agentidp.adapters.relational.unit_of_work import StagedUnitOfWork, SubmitWrites

from .agents import SqliteAgentRepository
from .audit import SqliteAuditLog
from .clients import SqliteClientDirectory
from .credentials import SqliteCredentialRepository
from .delegations import SqliteDelegationRepository
from .federation import SqliteFederationPartnerRepository
from .memberships import SqliteMembershipRepository
from .organizations import SqliteOrganizationRepository
from .reader import Reader
from .staging import Staging, Write
from .trust_policies import SqliteTrustPolicyRepository
from .usage import SqliteUsageCounters

#: Hands one unit of work's writes and events to the writer; returns once durably committed.
Submit = SubmitWrites[Write]


class SqliteUnitOfWork(StagedUnitOfWork[Write]):
    """One atomic set of changes (implements ``UnitOfWork``). Obtain it from
    :meth:`SqliteStore.unit_of_work`.

    Reads go straight to the committed state; writes are staged in a shared :class:`Staging`
    and applied by ``commit`` in a savepoint of the writer's next group transaction.
    """

    def __init__(self, reader: Reader, submit: Submit) -> None:
        staging = Staging()
        super().__init__(staging, submit)
        self.organizations = SqliteOrganizationRepository(reader, staging)
        self.agents = SqliteAgentRepository(reader, staging)
        self.credentials = SqliteCredentialRepository(reader, staging)
        self.memberships = SqliteMembershipRepository(reader, staging)
        self.delegations = SqliteDelegationRepository(reader, staging)
        self.trust_policies = SqliteTrustPolicyRepository(reader, staging)
        self.clients = SqliteClientDirectory(reader)
        self.audit = SqliteAuditLog(reader, staging)
        self.federation_partners = SqliteFederationPartnerRepository(reader, staging)
        self.usage = SqliteUsageCounters(reader, staging)
