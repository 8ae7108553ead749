"""Client authentication (RFC 6749 §2.3.1) shared by the token, introspection and revocation
endpoints: one code path, so every endpoint gives the same answer for the same failure."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from agentidp.domain.agent import Agent
from agentidp.domain.credential import looks_like_client_secret
from agentidp.domain.ids import AgentId, is_uuid

from .ports.security import SecretHasher
from .ports.system import Clock
from .ports.unit_of_work import UnitOfWork


class ClientAuthFailure(StrEnum):
    """Why authentication failed: for the audit trail and metrics, never for the response."""

    MALFORMED = "malformed_credentials"
    UNKNOWN_CLIENT = "unknown_client"
    BAD_SECRET = "bad_secret"


@dataclass(frozen=True, slots=True)
class ClientAuthResult:
    """The authenticated agent, or the reason there is none.

    ``organization_active`` is whether the agent's organization is active (False without an
    agent); like the agent's status, callers check it only after a successful secret.
    """

    agent: Agent | None
    failure: ClientAuthFailure | None
    credential_id: str | None = None
    organization_active: bool = False


class ClientAuthenticator:
    """Checks a client id and secret against the agent's usable credentials.

    Fast path: the secret hasher may answer from its verified-secret cache, so a returning
    client costs an HMAC, not an argon2 run. Credential status and expiry are read from the
    store on every call, so rotation and revocation take effect at once.
    """

    def __init__(self, hasher: SecretHasher, clock: Clock) -> None:
        self._hasher = hasher
        self._clock = clock

    async def authenticate(self, uow: UnitOfWork, client_id: str, secret: str) -> ClientAuthResult:
        """Never raises for bad credentials; the result says what happened.

        Agent and organization status are *not* checked here: callers check them after the
        secret, so an unauthenticated caller cannot learn whether either is suspended. One
        read of ``uow.clients`` supplies everything.
        """
        # Cheap shape checks first: garbage never reaches the store or the hasher.
        if not is_uuid(client_id) or not looks_like_client_secret(secret):
            return ClientAuthResult(None, ClientAuthFailure.MALFORMED)
        client = await uow.clients.find(AgentId(client_id))
        if client is None:
            return ClientAuthResult(None, ClientAuthFailure.UNKNOWN_CLIENT)
        agent = client.agent
        now = self._clock.now()
        # Skip expired credentials before hashing: a cheap exit that leaks nothing.
        usable = [
            credential for credential in client.active_credentials if credential.is_usable(now)
        ]
        matched = await self._hasher.verify_any(secret, [c.secret_hash for c in usable])
        if matched is not None:
            return ClientAuthResult(agent, None, usable[matched].id, client.organization_active)
        return ClientAuthResult(agent, ClientAuthFailure.BAD_SECRET)
