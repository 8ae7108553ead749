"""psycopg exceptions → port errors, translated here and nowhere else.

PostgreSQL names the constraint a statement violated, so one table per kind of violation
(keyed by the constraint and index names of ``migrations/postgres``) says which port error
it means. Reads and writes go through the same :func:`translating` helper.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import psycopg
from psycopg import errors as pg_errors

from agentidp.application.errors import (
    AgentAlreadyExists,
    AgentNotFound,
    AlreadyMember,
    ApplicationError,
    BackendUnavailable,
    ConcurrentUpdate,
    Conflict,
    FederationPartnerConflict,
    InvalidRequest,
    OrganizationNotFound,
    OrganizationSlugTaken,
    TrustPolicyConflict,
)

#: UNIQUE constraints (and unique indexes) whose violation is a user-facing conflict. Any
#: other duplicate (a primary key, an audit event id) is a plain ``Conflict``: ids are random
#: UUIDs, so a duplicate id is a bug or a replay rather than a user mistake.
UNIQUE_VIOLATIONS: Final[dict[str, type[ApplicationError]]] = {
    "agents_email_key": AgentAlreadyExists,
    "organizations_slug_key": OrganizationSlugTaken,
    "organization_members_member_key": AlreadyMember,
    "oidc_trust_policies_conditions_key": TrustPolicyConflict,
    "federation_partners_issuer_key": FederationPartnerConflict,
}
#: FOREIGN KEY constraints: the row refers to a parent that does not exist.
MISSING_PARENTS: Final[dict[str, type[ApplicationError]]] = {
    "agents_organization_id_fkey": OrganizationNotFound,
    "credentials_agent_id_fkey": AgentNotFound,
    "organization_members_organization_id_fkey": OrganizationNotFound,
    "organization_members_agent_id_fkey": AgentNotFound,
    "oidc_trust_policies_organization_id_fkey": OrganizationNotFound,
    "oidc_trust_policies_agent_id_fkey": AgentNotFound,
}


def unavailable(cause: BaseException) -> BackendUnavailable:
    """A fresh ``BackendUnavailable`` caused by ``cause`` (one instance per awaiting caller)."""
    error = BackendUnavailable("The PostgreSQL store is unavailable.")
    error.__cause__ = cause
    return error


@contextmanager
def translating() -> Iterator[None]:
    """Raise the port error for a known psycopg failure inside the block.

    - a UNIQUE violation: the error named in :data:`UNIQUE_VIOLATIONS`, else ``Conflict``;
    - a FOREIGN KEY violation: the error named in :data:`MISSING_PARENTS`;
    - a serialization failure or deadlock: ``ConcurrentUpdate`` (retrying may succeed);
    - a value PostgreSQL cannot hold (``DataError``: a NUL character in text, ``\u0000``
      in jsonb): ``InvalidRequest``, since the value came from the caller (SQLite would
      have stored it; answering 500 would blame the server);
    - anything about the connection (``OperationalError``, which includes the pool's
      ``PoolTimeout``/``PoolClosed``, and ``InterfaceError`` for a closed connection):
      ``BackendUnavailable``.

    Anything else (a bug, such as a NOT NULL violation) propagates unchanged.

    SECURITY: callers such as the revocation list must never treat "could not read" as
    "not there"; raising keeps every check fail-closed.
    """
    try:
        yield
    except pg_errors.UniqueViolation as exc:
        raise UNIQUE_VIOLATIONS.get(_constraint(exc), Conflict)() from exc
    except pg_errors.ForeignKeyViolation as exc:
        missing_parent = MISSING_PARENTS.get(_constraint(exc))
        if missing_parent is None:
            raise
        raise missing_parent() from exc
    except psycopg.DataError as exc:
        raise InvalidRequest("A value in the request cannot be stored.") from exc
    except pg_errors.TransactionRollback as exc:
        # NOTE: a subclass of OperationalError, so it must be caught first.
        raise ConcurrentUpdate() from exc
    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
        raise unavailable(exc) from exc


def _constraint(exc: psycopg.Error) -> str:
    return exc.diag.constraint_name or ""
