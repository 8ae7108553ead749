"""PostgreSQL unit of work: stages writes, then commits them through the store's writer task."""

from __future__ import annotations

from agentidp.adapters.relational.unit_of_work import StagedUnitOfWork, SubmitWrites
from agentidp.application.ports.repositories import ClientDirectory

from .agents import PostgresAgentRepository
from .audit import PostgresAuditLog
from .credentials import PostgresCredentialRepository
from .delegations import PostgresDelegationRepository
from .federation import PostgresFederationPartnerRepository
from .memberships import PostgresMembershipRepository
from .organizations import PostgresOrganizationRepository
from .reader import Reader
from .staging import Staging, Write
from .trust_policies import PostgresTrustPolicyRepository
from .usage import PostgresUsageCounters

#: Hands one unit of work's writes and events to the writer; returns once durably committed.
Submit = SubmitWrites[Write]


class PostgresUnitOfWork(StagedUnitOfWork[Write]):
    """One atomic set of changes (implements ``UnitOfWork``). Obtain it from
    :meth:`PostgresStore.unit_of_work`.

    Reads go straight to the committed state (one pooled statement each); writes are staged
    in a shared :class:`Staging` and applied by ``commit`` in a savepoint of the writer's next
    group transaction. No connection is held between calls, so a unit of work that waits on
    something else (argon2, a policy decision) ties up nothing in PostgreSQL.
    """

    def __init__(self, reader: Reader, submit: Submit, clients: ClientDirectory) -> None:
        staging = Staging()
        super().__init__(staging, submit)
        self.organizations = PostgresOrganizationRepository(reader, staging)
        self.agents = PostgresAgentRepository(reader, staging)
        self.credentials = PostgresCredentialRepository(reader, staging)
        self.memberships = PostgresMembershipRepository(reader, staging)
        self.delegations = PostgresDelegationRepository(reader, staging)
        self.trust_policies = PostgresTrustPolicyRepository(reader, staging)
        self.clients = clients
        self.audit = PostgresAuditLog(reader, staging)
        self.federation_partners = PostgresFederationPartnerRepository(reader, staging)
        self.usage = PostgresUsageCounters(reader, staging)
