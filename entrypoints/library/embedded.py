"""Run AgentIdP inside your own Python process: no server, no HTTP, the same use cases.

::

    from agentidp import AgentIdP

    async with AgentIdP.open("./idp-data") as idp:          # embedded SQLite, keys on disk
        boot = await idp.bootstrap("acme", "Acme Corp", "admin@acme.example")
        token = await idp.issue_token(boot.admin.id, boot.client_secret)
        acme = await idp.organization("acme")               # operator view of one tenant
        agent = await acme.register_agent(email="bot@acme.example", owner="team-a")

The facade builds the same dependency container as the HTTP app and the CLI
(:func:`agentidp.entrypoints.container.build_container`), so everything an embedding program does
is validated, authorised, audited and persisted exactly as it would be over HTTP. See
``docs/embedding.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from os import PathLike
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from agentidp.application.commands import (
    BootstrapOrganization,
    IntrospectToken,
    IssueToken,
    ListOrganizations,
    Origin,
    RevokeToken,
    VerifyAuditChain,
)
from agentidp.application.errors import OrganizationNotFound
from agentidp.application.ports.security import TokenSigner
from agentidp.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from agentidp.application.principal import Principal
from agentidp.application.use_cases.audit import AuditChainReport
from agentidp.application.use_cases.organizations import Bootstrapped, OrganizationPage
from agentidp.application.use_cases.tokens import IssuedToken
from agentidp.domain.organization import Organization
from agentidp.entrypoints.container import Container, build_container
from agentidp.entrypoints.container import start as start_container
from agentidp.entrypoints.container import stop as stop_container
from agentidp.entrypoints.settings import Argon2Parameters, Settings

from .tenant import Tenant

#: How embedding programs appear in the audit trail (``userAgent``) unless they say otherwise.
EMBEDDED_ORIGIN = Origin(ip_address=None, user_agent="agentidp-embedded")


class AgentIdP:
    """An AgentIdP deployment running in this process.

    Create one with :meth:`open` (embedded SQLite in a data directory), :meth:`in_memory`
    (nothing persisted) or :meth:`from_settings`, then use it as an async context manager::

        async with AgentIdP.in_memory() as idp:
            ...

    Entering opens the store (applying pending migrations) and loads or creates the signing
    keys; leaving flushes and closes them. Methods called outside the ``async with`` block
    raise :class:`RuntimeError`.

    Everything here acts as the *operator*: the person who runs the deployment. Operator calls
    are audited with actor ``operator``. To act as an agent, use :meth:`as_agent` with one of
    its access tokens.
    """

    def __init__(self, settings: Settings, *, origin: Origin = EMBEDDED_ORIGIN) -> None:
        """Prepare (but do not open) a deployment.

        Args:
            settings: the validated settings; see :meth:`open` and :meth:`in_memory` for the
                usual ways to build them.
            origin: how this program's calls appear in the audit trail.
        """
        self._settings = settings
        self._origin = origin
        self._running: _Running | None = None

    # -- construction -----------------------------------------------------------------------

    @classmethod
    def open(cls, data_dir: str | PathLike[str], **overrides: Any) -> Self:
        """An embedded deployment persisted in ``data_dir`` (created if missing).

        The SQLite database (``agentidp.db``) and the signing keys live in that directory, so
        agents, credentials, keys (same ``kid``) and the audit chain survive a reopen.

        Args:
            data_dir: the directory that holds the database and the keys.
            **overrides: any :class:`~agentidp.entrypoints.settings.Settings` field, e.g.
                ``public_url="https://idp.example"``, ``signing_algorithm="ES256"``,
                ``token_ttl_seconds=600``. ``argon2`` may be a mapping
                (``{"time_cost": 1, "memory_cost_kib": 1024, "parallelism": 1}``).

        Raises:
            ConfigurationError: an override is invalid.
        """
        return cls(_settings(data_dir=Path(data_dir), **overrides))

    @classmethod
    def in_memory(cls, **overrides: Any) -> Self:
        """A throwaway deployment: memory store, revocation list and keys, lost on exit.

        Meant for tests and experiments; the keys are new on every run, so tokens from one run
        never verify in the next.

        Raises:
            ConfigurationError: an override is invalid.
        """
        return cls(_settings(database_url="memory://", **overrides))

    @classmethod
    def from_settings(cls, settings: Settings, *, origin: Origin = EMBEDDED_ORIGIN) -> Self:
        """A deployment for already-built settings (the CLI uses ``Settings.from_env()``)."""
        return cls(settings, origin=origin)

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        """The settings this deployment runs with."""
        return self._settings

    @property
    def container(self) -> Container:
        """The dependency container (for advanced use: every use case is a provider on it).

        Raises:
            RuntimeError: the deployment is not open.
        """
        return self._open_state().container

    async def start(self) -> None:
        """Open the store and load the keys (what entering ``async with`` does).

        Raises:
            RuntimeError: already started.
            BackendUnavailable: the store cannot be opened.
        """
        if self._running is not None:
            raise RuntimeError("AgentIdP is already open.")
        container = build_container(self._settings)
        try:
            await start_container(container)
            uow = container.uow()
            # Load (or create) the signing keys now, so a bad key file fails here, not at
            # the first token request.
            signer = container.signer()
        except BaseException:
            await stop_container(container)
            raise
        self._running = _Running(container, uow, signer)

    async def close(self) -> None:
        """Close the store; idempotent (what leaving ``async with`` does)."""
        running, self._running = self._running, None
        if running is not None:
            await stop_container(running.container)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- organizations ----------------------------------------------------------------------

    async def bootstrap(
        self,
        slug: str,
        name: str | None,
        admin_email: str,
        *,
        admin_owner: str = "bootstrap",
        platform_admin: bool = False,
    ) -> Bootstrapped:
        """Create organization ``slug`` (if new) and an administrator agent with a secret.

        The administrator is an ``admin`` member of the organization and holds every scope an
        API caller may hold; with ``platform_admin`` also the operator-only ``admin:platform``
        (it then manages every organization through the API). Its id is its OAuth
        ``client_id``; the returned ``client_secret`` is shown this once and stored only as
        an argon2id hash.

        Args:
            slug: lower-case letters, digits and inner hyphens, at most 64 characters.
            name: display name; ``None`` uses the slug.
            admin_email: the administrator agent's email (unique across the deployment).
            admin_owner: recorded as the administrator agent's owner.
            platform_admin: also grant ``admin:platform``.

        Raises:
            InvalidValue: the slug, name or email is malformed.
            AgentAlreadyExists: an agent already has ``admin_email``.
            OrganizationDeleted: the slug belongs to a deleted organization.
        """
        command = BootstrapOrganization(
            slug=slug,
            name=name or slug,
            admin_email=admin_email,
            admin_owner=admin_owner,
            platform_admin=platform_admin,
        )
        result: Bootstrapped = await self.container.bootstrap_organization()(command)
        return result

    async def organizations(self) -> Sequence[Organization]:
        """Every organization of the deployment, oldest first."""
        async with self._unit_of_work() as uow:
            return await uow.organizations.list_all()

    async def list_organizations(
        self, *, page: int = 1, limit: int = 20, status: str | None = None
    ) -> OrganizationPage:
        """One page of the deployment's organizations, newest first, as the operator (a
        platform administrator) sees them; ``status`` narrows.

        Raises:
            InvalidRequest: page < 1, limit outside 1-100, or an unknown status.
        """
        command = ListOrganizations(Principal.deployment_operator(), page, limit, status)
        result: OrganizationPage = await self.container.list_organizations()(command)
        return result

    async def find_organization(self, slug: str) -> Organization:
        """The organization with this slug, whatever its status (deleted ones included).

        Raises:
            OrganizationNotFound: no organization has this slug.
        """
        async with self._unit_of_work() as uow:
            found = await uow.organizations.get_by_slug(slug)
        if found is None:
            raise OrganizationNotFound(f"No organization with slug {slug!r}.", slug=slug)
        return found

    async def organization(self, slug: str) -> Tenant:
        """The operator's view of one organization: every scope, limited to that tenant.

        Raises:
            OrganizationNotFound: no organization has this slug.
        """
        async with self._unit_of_work() as uow:
            found = await uow.organizations.get_by_slug(slug)
        if found is None:
            raise OrganizationNotFound(f"No organization with slug {slug!r}.", slug=slug)
        principal = Principal.operator(found.id)

        async def operator() -> Principal:
            return principal

        return Tenant(self.container, operator, self._origin)

    async def as_agent(self, access_token: str) -> Tenant:
        """Act as the agent that holds ``access_token``, with exactly its scopes and tenant.

        The token is verified now and again on every call (signature, expiry, revocation and
        the agent still being active), as the HTTP API does on every request.

        Raises:
            Unauthenticated: the token is invalid, expired or revoked, or its agent inactive.
            TenantMismatch: the token carries no organization.
        """
        authenticate = self.container.authenticate_bearer

        async def bearer() -> Principal:
            principal: Principal = await authenticate()(access_token)
            return principal

        await bearer()  # fail now rather than at the first call
        return Tenant(self.container, bearer, self._origin)

    # -- tokens -----------------------------------------------------------------------------

    async def issue_token(
        self, client_id: str, client_secret: str, scope: str | None = None
    ) -> IssuedToken:
        """OAuth 2.0 client credentials grant (RFC 6749 §4.4), as ``POST /api/v1/token``.

        Args:
            client_id: the agent id.
            client_secret: its ``sk_live_…`` secret.
            scope: space-delimited scopes; ``None`` grants every scope the agent holds.

        Raises:
            InvalidClient: unknown client or wrong secret (indistinguishable on purpose).
            AgentNotPermitted: the agent is suspended or decommissioned.
            InvalidScope, ScopeNotGranted: the scope is unknown or not granted to the agent.
        """
        command = IssueToken(
            client_id=client_id, client_secret=client_secret, scope=scope, origin=self._origin
        )
        issued: IssuedToken = await self.container.issue_token()(command)
        return issued

    async def introspect(self, token: str, principal: Principal) -> dict[str, Any]:
        """RFC 7662 introspection on behalf of ``principal`` (needs ``tokens:read``).

        Returns ``{"active": False}`` for any token that is invalid, expired, revoked or from
        another organization; otherwise ``{"active": True, "token_type": "Bearer", <claims>}``.
        ``Tenant.principal`` gives the principal of an :meth:`organization` or :meth:`as_agent`.
        """
        command = IntrospectToken(principal=principal, token=token, origin=self._origin)
        result: dict[str, Any] = await self.container.introspect_token()(command)
        return result

    async def revoke_token(self, token: str, principal: Principal) -> None:
        """RFC 7009 revocation on behalf of ``principal``: its own tokens, or any token of its
        organization with ``admin:orgs``. Unknown, invalid or foreign tokens are a no-op.

        Raises:
            NotResourceOwner: another agent's token, and ``principal`` lacks ``admin:orgs``.
        """
        command = RevokeToken(principal=principal, token=token, origin=self._origin)
        await self.container.revoke_token()(command)

    def jwks(self) -> dict[str, Any]:
        """The public JSON Web Key Set that verifies this deployment's access tokens."""
        return self._open_state().signer.jwks()

    # -- audit ------------------------------------------------------------------------------

    async def verify_audit_chain(
        self,
        from_date: datetime | None = None,
        to_date: datetime | None = None,
        expected_head: str | None = None,
    ) -> AuditChainReport:
        """Recompute the deployment-wide audit hash chain and report the first break.

        Unlike :meth:`Tenant.verify_audit_chain`, this is the operator's view: a break is
        reported with its event id whichever organization the event belongs to.

        Args:
            from_date: verify only events that occurred at or after this instant; the first of
                them is trusted to link to the (unchecked) event before it.
            to_date: verify only events that occurred at or before this instant.
            expected_head: a ``head_hash`` recorded from an earlier verification; if the chain
                no longer contains that event (its newest events were cut off), it fails.
        """
        command = VerifyAuditChain(
            Principal.deployment_operator(), from_date, to_date, expected_head
        )
        report: AuditChainReport = await self.container.verify_audit_chain()(command)
        return report

    def _unit_of_work(self) -> UnitOfWork:
        """A fresh unit of work on the open store (for the operator-only reads above)."""
        return self._open_state().uow()

    def _open_state(self) -> _Running:
        if self._running is None:
            raise RuntimeError("AgentIdP is not open: use 'async with AgentIdP.open(...) as idp'.")
        return self._running


@dataclass(frozen=True, slots=True)
class _Running:
    """What an open deployment holds: the container and the providers resolved at start."""

    container: Container
    uow: UnitOfWorkFactory
    signer: TokenSigner


def _settings(**fields: Any) -> Settings:
    """Settings from keyword arguments; ``argon2`` may be given as a plain mapping."""
    argon2 = fields.get("argon2")
    if isinstance(argon2, Mapping):
        fields["argon2"] = Argon2Parameters(**argon2)
    if "data_dir" in fields:
        fields["data_dir"] = Path(fields["data_dir"])
    return Settings(**fields)
