"""Dependency wiring: the only module that names concrete adapters.

Every adapter is chosen from :class:`~agentidp.entrypoints.settings.Settings`; use cases are
factories, so each call gets a fresh instance. The HTTP app, the CLI and the embedded library
all build this same container.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

from dependency_injector import containers, providers

from agentidp.adapters.crypto.argon2_hasher import Argon2SecretHasher
from agentidp.adapters.crypto.foreign_tokens import JwksTokenVerifier
from agentidp.adapters.crypto.keys import FileKeyStore, MemoryKeyStore
from agentidp.adapters.crypto.signer import JwtTokenSigner
from agentidp.adapters.crypto.verified_cache import CachingSecretHasher
from agentidp.adapters.jwks.cache import JwksCache
from agentidp.adapters.jwks.fetcher import FetchLimits, JsonFetcher
from agentidp.adapters.memory.rate_limiter import InMemoryRateLimiter
from agentidp.adapters.memory.replay import InMemoryReplayGuard
from agentidp.adapters.memory.revocation_list import InMemoryRevocationList
from agentidp.adapters.memory.store import InMemoryStore
from agentidp.adapters.policy import OpaHttpPolicyEngine, RegoPolicyEngine
from agentidp.adapters.postgres import PostgresRevocationList, PostgresStore
from agentidp.adapters.redis import RedisCachingSecretHasher, RedisClient, RedisRevocationList
from agentidp.adapters.redis.rate_limiter import RedisRateLimiter
from agentidp.adapters.redis.replay import RedisReplayGuard
from agentidp.adapters.sqlite.revocation_list import SqliteRevocationList
from agentidp.adapters.sqlite.store import SqliteStore
from agentidp.adapters.system import RandomIds, SystemClock
from agentidp.application import token_exchange as exchange_grants
from agentidp.application.bootstrap_registration import BootstrapRegistrations
from agentidp.application.client_auth import ClientAuthenticator
from agentidp.application.ports import tenant_context
from agentidp.application.ports.tenant_context import ALL_TENANTS
from agentidp.application.usage_limits import TierTable, UsageLimits
from agentidp.application.use_cases import (
    agents,
    audit,
    credentials,
    delegation,
    federation,
    organizations,
    organizations_members,
    tiers,
    tokens,
)
from agentidp.application.use_cases.authorization import AuthorizeAccessUseCase
from agentidp.application.use_cases.oidc_exchange import ExchangeOidcTokenUseCase, OidcSettings
from agentidp.application.use_cases.trust_policies import (
    CreateTrustPolicyUseCase,
    DeleteTrustPolicyUseCase,
    GetTrustPolicyUseCase,
    ListTrustPoliciesUseCase,
)

from .http.probes import fallback_while_down
from .settings import Settings


def _oidc_settings(settings: Settings) -> OidcSettings:
    """The GitHub OIDC exchange's checks; the audience defaults to the public URL."""
    github = settings.github_oidc
    return OidcSettings(
        audience=github.audience or settings.issuer,
        issuer=github.issuer,
        jwks_uri=github.jwks_url or None,
        max_age=timedelta(seconds=github.max_token_age_seconds),
        bootstrap_ttl=timedelta(seconds=github.bootstrap_token_ttl_seconds),
    )


def _backend(settings: Settings) -> str:
    return settings.store_backend.value


def _cache(settings: Settings) -> str:
    """``redis`` when a Redis URL is configured, else ``local`` (in-process)."""
    return "redis" if settings.redis_url else "local"


def _secret_cache(settings: Settings) -> str:
    """Verified-secret tags are shared through Redis only under a key every worker shares."""
    return "redis" if settings.redis_url and settings.secret_key else "local"


def _policy_engine(settings: Settings) -> str:
    """``opa`` when an OPA server is configured, else ``rego`` (in-process)."""
    return "opa" if settings.opa_url else "rego"


def _policy_dir(settings: Settings) -> Path:
    """The configured policy directory, or the policies shipped in the package."""
    return settings.policy_dir or Path(str(files("agentidp.policies")))


def _unexpired_revocations(durable: PostgresRevocationList) -> Any:
    """The loader Redis rebuilds its revocation cache from (after a restart or a flush)."""

    async def load() -> list[tuple[str, int]]:
        return await durable.all_unexpired(time.time())

    return load


async def _store_lifecycle(store: Any) -> AsyncIterator[Any]:
    """Open the store (migrations included) on start-up and close it on shutdown."""
    await store.open()
    try:
        yield store
    finally:
        await store.close()


class Container(containers.DeclarativeContainer):
    """Adapters chosen by settings, and every use case built on them."""

    settings = providers.Dependency(instance_of=Settings)
    backend = providers.Callable(_backend, settings)
    cache = providers.Callable(_cache, settings)

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(RandomIds)

    store = providers.Selector(
        backend,
        memory=providers.Singleton(InMemoryStore),
        sqlite=providers.Singleton(
            SqliteStore, providers.Callable(lambda s: s.sqlite_path, settings)
        ),
        postgres=providers.Singleton(
            PostgresStore,
            providers.Callable(lambda s: s.database_url, settings),
            pool_min=providers.Callable(lambda s: s.pool.min_size, settings),
            pool_max=providers.Callable(lambda s: s.pool.max_size, settings),
            idle_timeout=providers.Callable(lambda s: s.pool.idle_timeout_seconds, settings),
            connect_timeout=providers.Callable(lambda s: s.pool.connect_timeout_seconds, settings),
        ),
    )
    redis = providers.Singleton(RedisClient, providers.Callable(lambda s: s.redis_url, settings))
    # The lifecycle resource opens and closes the store; nothing depends on it directly, so
    # every other provider stays synchronous (an async resource as a dependency would turn
    # each use-case factory into an awaitable, on the hot path too).
    store_resource = providers.Resource(_store_lifecycle, store)
    uow = providers.Callable(lambda store: store.unit_of_work, store)

    durable_revocations = providers.Selector(
        backend,
        memory=providers.Singleton(InMemoryRevocationList),
        sqlite=providers.Singleton(SqliteRevocationList, store),
        postgres=providers.Singleton(PostgresRevocationList, store),
    )
    revocations = providers.Selector(
        cache,
        local=durable_revocations,
        redis=providers.Singleton(
            RedisRevocationList,
            redis,
            durable_revocations,
            loader=providers.Callable(_unexpired_revocations, durable_revocations),
        ),
    )
    # Signing keys live in the data directory whenever state is durable (SQLite or PostgreSQL).
    keys = providers.Selector(
        providers.Callable(lambda s: "memory" if s.store_backend == "memory" else "file", settings),
        memory=providers.Singleton(
            MemoryKeyStore, providers.Callable(lambda s: s.signing_algorithm, settings)
        ),
        file=providers.Singleton(
            FileKeyStore,
            providers.Callable(lambda s: s.data_dir, settings),
            providers.Callable(lambda s: s.signing_algorithm, settings),
        ),
    )
    signer = providers.Singleton(JwtTokenSigner, keys)
    argon2 = providers.Singleton(
        Argon2SecretHasher,
        time_cost=providers.Callable(lambda s: s.argon2.time_cost, settings),
        memory_cost=providers.Callable(lambda s: s.argon2.memory_cost_kib, settings),
        parallelism=providers.Callable(lambda s: s.argon2.parallelism, settings),
    )
    # This process's cache first (2 µs), then the tags every worker shares in Redis (one
    # round trip), then argon2id (~100 ms).
    hasher = providers.Singleton(
        CachingSecretHasher,
        providers.Selector(
            providers.Callable(_secret_cache, settings),
            local=argon2,
            redis=providers.Singleton(
                RedisCachingSecretHasher,
                argon2,
                redis,
                providers.Callable(lambda s: s.secret_key, settings),
            ),
        ),
    )
    token_settings = providers.Singleton(
        lambda s: tokens.TokenSettings(
            issuer=s.issuer, audience=s.token_audience, ttl=timedelta(seconds=s.token_ttl_seconds)
        ),
        settings,
    )
    retention = providers.Callable(lambda s: timedelta(days=s.audit_retention_days), settings)
    authenticator = providers.Singleton(ClientAuthenticator, hasher, clock)

    # Rate limits and tiers (docs/limits.md): one limiter and one limits cache per process.
    local_rate_limiter = providers.Singleton(InMemoryRateLimiter)
    rate_limiter = providers.Selector(
        cache,
        local=local_rate_limiter,
        redis=providers.Singleton(RedisRateLimiter, redis, local_rate_limiter),
    )
    tier_table = providers.Singleton(
        lambda s: TierTable(limits=s.tier_limits, enforced=s.features.tier_enforcement), settings
    )
    usage_limits = providers.Singleton(UsageLimits, uow, clock, tier_table, rate_limiter)

    # Health: what /health and /health/detailed probe, by name. The rate limiter falls back
    # in process while Redis is down: "degraded", not "unreachable".
    health_pings = providers.Selector(
        cache,
        local=providers.Callable(lambda store: {"database": store.ping}, store),
        redis=providers.Callable(
            lambda store, redis: {
                "database": store.ping,
                "cache": redis.ping,
                "rateLimiter": fallback_while_down(redis.ping),
            },
            store,
            redis,
        ),
    )

    # Agents
    get_agent = providers.Factory(agents.GetAgentUseCase, uow, clock, ids)
    describe_caller = providers.Factory(agents.DescribeCallerUseCase, uow, clock, ids)
    list_agents = providers.Factory(agents.ListAgentsUseCase, uow, clock, ids)
    update_agent = providers.Factory(agents.UpdateAgentUseCase, uow, clock, ids)
    suspend_agent = providers.Factory(agents.SuspendAgentUseCase, uow, clock, ids)
    reactivate_agent = providers.Factory(agents.ReactivateAgentUseCase, uow, clock, ids)
    decommission_agent = providers.Factory(agents.DecommissionAgentUseCase, uow, clock, ids)

    # Credentials
    generate_credential = providers.Factory(
        credentials.GenerateCredentialUseCase, uow, clock, ids, hasher
    )
    list_credentials = providers.Factory(
        credentials.ListCredentialsUseCase, uow, clock, ids, hasher
    )
    rotate_credential = providers.Factory(
        credentials.RotateCredentialUseCase, uow, clock, ids, hasher
    )
    revoke_credential = providers.Factory(
        credentials.RevokeCredentialUseCase, uow, clock, ids, hasher
    )

    # Tokens
    _token_args = (uow, clock, ids, signer, revocations, token_settings)
    issue_token = providers.Factory(
        tokens.IssueTokenUseCase, *_token_args, authenticator, limits=usage_limits
    )
    authenticate_client = providers.Factory(
        tokens.AuthenticateClientUseCase, *_token_args, authenticator, limits=usage_limits
    )
    authenticate_bearer = providers.Factory(
        tokens.AuthenticateBearerUseCase, *_token_args, limits=usage_limits
    )
    introspect_token = providers.Factory(tokens.IntrospectTokenUseCase, *_token_args)
    revoke_token = providers.Factory(tokens.RevokeTokenUseCase, *_token_args)

    # GitHub Actions OIDC exchange and trust policies (docs/oidc-github.md). One key set
    # cache per process (shared with federation partners' JWKS).
    key_sets = providers.Singleton(
        JwksCache,
        providers.Singleton(
            JsonFetcher,
            providers.Callable(
                lambda s: FetchLimits(allow_loopback_http=s.github_oidc.allow_loopback_http),
                settings,
            ),
        ),
        ttl_seconds=providers.Callable(lambda s: s.github_oidc.jwks_cache_ttl_seconds, settings),
        min_refetch_interval_seconds=providers.Callable(
            lambda s: s.github_oidc.jwks_min_refetch_seconds, settings
        ),
    )
    foreign_tokens = providers.Singleton(JwksTokenVerifier, key_sets)
    # Replays are refused across workers only through Redis (docs/oidc-github.md).
    replays = providers.Selector(
        cache,
        local=providers.Singleton(InMemoryReplayGuard),
        redis=providers.Singleton(RedisReplayGuard, redis),
    )
    # Agents (registered here: a bootstrap token's registration uses the replay guard).
    register_agent = providers.Factory(
        agents.RegisterAgentUseCase,
        uow,
        clock,
        ids,
        usage_limits,
        providers.Factory(BootstrapRegistrations, replays, revocations, clock, ids),
    )
    exchange_oidc_token = providers.Factory(
        ExchangeOidcTokenUseCase,
        *_token_args,
        foreign_tokens,
        replays,
        providers.Callable(_oidc_settings, settings),
        limits=usage_limits,
    )
    create_trust_policy = providers.Factory(CreateTrustPolicyUseCase, uow, clock, ids)
    list_trust_policies = providers.Factory(ListTrustPoliciesUseCase, uow, clock, ids)
    get_trust_policy = providers.Factory(GetTrustPolicyUseCase, uow, clock, ids)
    delete_trust_policy = providers.Factory(DeleteTrustPolicyUseCase, uow, clock, ids)

    # Agent-to-agent delegation (docs/delegation.md)
    delegation_settings = providers.Singleton(
        lambda s: delegation.DelegationSettings(max_depth=s.delegation_max_depth), settings
    )
    create_delegation = providers.Factory(
        delegation.CreateDelegationUseCase, uow, clock, ids, delegation_settings
    )
    verify_delegation = providers.Factory(
        delegation.VerifyDelegationUseCase, uow, clock, ids, delegation_settings
    )
    revoke_delegation = providers.Factory(
        delegation.RevokeDelegationUseCase, uow, clock, ids, delegation_settings
    )
    exchange_delegated_token = providers.Factory(
        delegation.ExchangeDelegatedTokenUseCase, *_token_args, limits=usage_limits
    )

    # RFC 8693 token exchange: one handler per (subject_token_type, actor present); a new
    # kind of exchange adds an entry here (application/token_exchange.py).
    token_exchange_handlers = providers.Dict(
        {
            (exchange_grants.JWT, False): providers.Factory(
                exchange_grants.GitHubOidcExchange, exchange_oidc_token
            ).provider,
            (exchange_grants.ACCESS_TOKEN, True): providers.Factory(
                delegation.DelegationExchange,
                exchange_delegated_token,
                enabled=providers.Callable(lambda s: s.features.a2a, settings),
            ).provider,
        }
    )
    token_exchange = providers.Factory(
        exchange_grants.TokenExchangeDispatcher,
        token_exchange_handlers,
        providers.Callable(lambda s: s.token_audience, settings),
    )

    # Authorization: the policy decision point every authenticated route goes through.
    policy = providers.Selector(
        providers.Callable(_policy_engine, settings),
        rego=providers.Singleton(RegoPolicyEngine, providers.Callable(_policy_dir, settings)),
        opa=providers.Singleton(
            OpaHttpPolicyEngine,
            providers.Callable(lambda s: s.opa_url, settings),
            timeout=providers.Callable(lambda s: s.opa_timeout_ms / 1000, settings),
        ),
    )
    authorize_access = providers.Factory(AuthorizeAccessUseCase, uow, clock, ids, policy)

    # Audit
    query_audit = providers.Factory(audit.QueryAuditUseCase, uow, clock, retention)
    get_audit_event = providers.Factory(audit.GetAuditEventUseCase, uow, clock, retention)
    verify_audit_chain = providers.Factory(audit.VerifyAuditChainUseCase, uow, clock, retention)

    # Tiers
    get_tier_status = providers.Factory(tiers.GetTierStatusUseCase, uow, clock, usage_limits)

    # Organizations
    bootstrap_organization = providers.Factory(
        organizations.BootstrapOrganizationUseCase, uow, clock, ids, hasher
    )
    create_organization = providers.Factory(
        organizations.CreateOrganizationUseCase, uow, clock, ids
    )
    list_organizations = providers.Factory(organizations.ListOrganizationsUseCase, uow, clock, ids)
    get_organization = providers.Factory(organizations.GetOrganizationUseCase, uow, clock, ids)
    update_organization = providers.Factory(
        organizations.UpdateOrganizationUseCase, uow, clock, ids
    )
    delete_organization = providers.Factory(
        organizations.DeleteOrganizationUseCase, uow, clock, ids
    )
    create_organization_admin = providers.Factory(
        organizations.CreateOrganizationAdminUseCase, uow, clock, ids, hasher
    )
    add_member = providers.Factory(organizations_members.AddMemberUseCase, uow, clock, ids)
    list_members = providers.Factory(organizations_members.ListMembersUseCase, uow, clock, ids)
    remove_member = providers.Factory(organizations_members.RemoveMemberUseCase, uow, clock, ids)

    # Federation partners (docs/federation.md): keys through the shared key set cache; a
    # partner token's audience must be this IdP's public URL.
    _partner_args = (uow, clock, ids, key_sets)
    register_federation_partner = providers.Factory(
        federation.RegisterFederationPartnerUseCase, *_partner_args
    )
    list_federation_partners = providers.Factory(
        federation.ListFederationPartnersUseCase, *_partner_args
    )
    get_federation_partner = providers.Factory(
        federation.GetFederationPartnerUseCase, *_partner_args
    )
    update_federation_partner = providers.Factory(
        federation.UpdateFederationPartnerUseCase, *_partner_args
    )
    delete_federation_partner = providers.Factory(
        federation.DeleteFederationPartnerUseCase, *_partner_args
    )
    verify_federated_token = providers.Factory(
        federation.VerifyFederatedTokenUseCase,
        uow,
        clock,
        foreign_tokens,
        providers.Callable(lambda s: s.issuer, settings),
    )


def build_container(settings: Settings) -> Container:
    """A container for ``settings``. Call :func:`start` before use and :func:`stop` at the end
    (the app lifespan, the CLI and the library do)."""
    return Container(settings=settings)


async def start(container: Container) -> None:
    """Open the store (applying migrations) and every other resource.

    The caller's context then acts for every tenant (docs/adr/0011): whoever starts the
    container in-process is the local operator (CLI, embedding programs). The HTTP app is
    not affected: each request opens and narrows its own scope (``http/tenant_scope.py``).
    """
    tenant_context.act_as(ALL_TENANTS)
    pending = container.init_resources()
    if pending is not None:  # an awaitable, since the store's lifecycle is asynchronous
        await pending


async def stop(container: Container) -> None:
    """Close the resources :func:`start` opened (draining the store's writer) and the Redis
    connection if one was configured."""
    pending = container.shutdown_resources()
    if pending is not None:
        await pending
    if container.settings().opa_url:
        await container.policy().aclose()
    await container.key_sets().aclose()
    if container.settings().redis_url:
        # Last attempt to push revocations that could not reach Redis, then disconnect.
        await container.revocations().aclose()
        await container.redis().close()
