"""Typed settings, read once from ``AGENTIDP_*`` environment variables.

Nothing else in AgentIdP reads ``os.environ``. See docs/configuration.md for the table.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Final, Self
from urllib.parse import urlsplit

from agentidp.domain.tiers import DEFAULT_TIER_LIMITS, PlanTier, TierLimits


class ConfigurationError(Exception):
    """A setting is missing, malformed or not allowed in this environment."""


class Environment(StrEnum):
    """Development allows conveniences (memory store); production refuses them."""

    DEVELOPMENT = "development"
    PRODUCTION = "production"


class StoreBackend(StrEnum):
    """Where aggregates and the audit log live."""

    MEMORY = "memory"
    SQLITE = "sqlite"
    POSTGRES = "postgres"


_SCHEMES = {
    "memory": StoreBackend.MEMORY,
    "sqlite": StoreBackend.SQLITE,
    "": StoreBackend.SQLITE,  # a bare path
    "postgresql": StoreBackend.POSTGRES,
    "postgres": StoreBackend.POSTGRES,
}


SIGNING_ALGORITHMS = ("RS256", "ES256", "EdDSA")


@dataclass(frozen=True, slots=True)
class Argon2Parameters:
    """argon2id cost parameters (defaults: RFC 9106 second recommended option)."""

    time_cost: int = 3
    memory_cost_kib: int = 65536
    parallelism: int = 4


@dataclass(frozen=True, slots=True)
class PoolSettings:
    """PostgreSQL connection pool (the spec's defaults: max 20, min 2, idle 30 s, connect 5 s)."""

    min_size: int = 2
    max_size: int = 20
    idle_timeout_seconds: float = 30.0
    connect_timeout_seconds: float = 5.0


@dataclass(frozen=True, slots=True)
class Features:
    """Feature flags (``AGENTIDP_<NAME>_ENABLED``, ``AGENTIDP_TIER_ENFORCEMENT``): a disabled
    feature's routes answer 404 ``NOT_FOUND`` (``entrypoints/http/features.py``)."""

    analytics: bool = True
    marketplace: bool = True
    a2a: bool = True
    compliance: bool = True
    #: Off: no tier limit is enforced (agents, tokens per month, per-client rate).
    tier_enforcement: bool = True
    billing: bool = False

    def enabled(self, feature: str) -> bool:
        """Whether the flag named ``feature`` (a field of this class) is on."""
        return bool(getattr(self, feature))


#: ``AGENTIDP_TIER_LIMITS`` keys (JSON, camelCase like the API) → ``TierLimits`` fields.
_TIER_LIMIT_KEYS = {
    "maxAgents": "max_agents",
    "maxTokensPerMonth": "max_tokens_per_month",
    "requestsPerMinute": "requests_per_minute",
}


def parse_tier_limits(raw: str) -> dict[PlanTier, TierLimits]:
    """DECISIONS.md's tier table with the tiers and figures of ``raw`` (JSON) replaced, e.g.
    ``{"free": {"maxAgents": 10, "requestsPerMinute": 60}, "pro": {"maxTokensPerMonth": null}}``
    (``null``: unlimited).

    Raises:
        ConfigurationError: not a JSON object of known tiers and keys with integers >= 1 or null.
    """
    problem = "AGENTIDP_TIER_LIMITS must be a JSON object such as "
    problem += '{"free": {"maxAgents": 100, "maxTokensPerMonth": 10000, "requestsPerMinute": 100}}'
    try:
        table = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise ConfigurationError(f"{problem}.") from None
    if not isinstance(table, dict):
        raise ConfigurationError(f"{problem}.")
    limits = dict(DEFAULT_TIER_LIMITS)
    for tier_name, figures in table.items():
        if tier_name not in PlanTier.__members__.values() or not isinstance(figures, dict):
            raise ConfigurationError(f"{problem}; unknown tier or figures: {tier_name!r}.")
        changes: dict[str, int | None] = {}
        for key, value in figures.items():
            valid = value is None or (type(value) is int and value >= 1)
            if key not in _TIER_LIMIT_KEYS or not valid:
                raise ConfigurationError(
                    f"{problem}; {tier_name}.{key} must be a known limit, an integer >= 1 or null."
                )
            changes[_TIER_LIMIT_KEYS[key]] = value
        tier = PlanTier(tier_name)
        limits[tier] = replace(limits[tier], **changes)
    return limits


def parse_flag(name: str, raw: str) -> bool:
    """A boolean setting: true/false, 1/0, yes/no, on/off (any case).

    Raises:
        ConfigurationError: anything else, naming the variable.
    """
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"AGENTIDP_{name} must be true or false, got {raw!r}.")


#: GitHub.com's Actions OIDC issuer.
GITHUB_ACTIONS_ISSUER: Final = "https://token.actions.githubusercontent.com"


@dataclass(frozen=True, slots=True)
class GitHubOidcSettings:
    """The GitHub Actions OIDC issuer trusted by ``POST /oidc/token`` (docs/oidc-github.md)."""

    #: ``AGENTIDP_GITHUB_OIDC_ISSUER``: GitHub.com's by default; GHES has its own.
    issuer: str = GITHUB_ACTIONS_ISSUER
    #: ``AGENTIDP_GITHUB_OIDC_JWKS_URL``; empty: from the issuer's discovery document.
    jwks_url: str = ""
    #: ``AGENTIDP_GITHUB_OIDC_AUDIENCE``; empty: the public URL (what the actions request).
    audience: str = ""
    #: ``AGENTIDP_GITHUB_OIDC_MAX_TOKEN_AGE_SECONDS``: the oldest ``iat`` accepted.
    max_token_age_seconds: int = 600
    #: ``AGENTIDP_GITHUB_OIDC_BOOTSTRAP_TOKEN_TTL_SECONDS``: lifetime of a bootstrap token.
    bootstrap_token_ttl_seconds: int = 300
    #: ``AGENTIDP_JWKS_CACHE_TTL_SECONDS``: how long a fetched key set is used.
    jwks_cache_ttl_seconds: int = 600
    #: ``AGENTIDP_JWKS_MIN_REFETCH_SECONDS``: at most one fetch per key set URI per interval.
    jwks_min_refetch_seconds: int = 30
    #: ``AGENTIDP_JWKS_ALLOW_LOOPBACK_HTTP``: accept ``http://`` issuers on loopback hosts
    #: (tests, local development). Refused in production.
    allow_loopback_http: bool = False

    def validate(self, production: bool) -> None:
        """Raises: ConfigurationError for an unusable value."""
        for name, url in (("ISSUER", self.issuer), ("JWKS_URL", self.jwks_url)):
            if url and urlsplit(url).scheme not in ("http", "https"):
                raise ConfigurationError(f"AGENTIDP_GITHUB_OIDC_{name} must be an http(s) URL.")
        if not 60 <= self.max_token_age_seconds <= 3600:
            raise ConfigurationError(
                "AGENTIDP_GITHUB_OIDC_MAX_TOKEN_AGE_SECONDS must be between 60 and 3600."
            )
        if not 30 <= self.bootstrap_token_ttl_seconds <= 900:
            raise ConfigurationError(
                "AGENTIDP_GITHUB_OIDC_BOOTSTRAP_TOKEN_TTL_SECONDS must be between 30 and 900."
            )
        if self.jwks_cache_ttl_seconds < 1 or self.jwks_min_refetch_seconds < 1:
            raise ConfigurationError("AGENTIDP_JWKS_* intervals must be at least 1 second.")
        if production and self.allow_loopback_http:
            raise ConfigurationError("AGENTIDP_JWKS_ALLOW_LOOPBACK_HTTP is refused in production.")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable, validated. Build with :meth:`from_env` or directly in tests."""

    environment: Environment = Environment.DEVELOPMENT
    public_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    data_dir: Path = Path(".agentidp")
    database_url: str = ""
    pool: PoolSettings = field(default_factory=PoolSettings)
    redis_url: str | None = None
    #: Deployment secret keying caches shared between workers (verified-secret tags in Redis).
    secret_key: bytes | None = field(default=None, repr=False)
    signing_algorithm: str = "RS256"
    token_ttl_seconds: int = 3600
    token_audience: str = ""
    #: Most links a delegation chain may have (A → B → C is 2).
    delegation_max_depth: int = 3
    audit_retention_days: int = 90
    argon2: Argon2Parameters = field(default_factory=Argon2Parameters)
    log_level: str = "info"
    docs_enabled: bool = True
    features: Features = field(default_factory=Features)
    #: Limits of each plan tier (``AGENTIDP_TIER_LIMITS``); DECISIONS.md's table by default.
    tier_limits: Mapping[PlanTier, TierLimits] = field(
        default_factory=lambda: dict(DEFAULT_TIER_LIMITS)
    )
    #: Requests per minute from one IP address, on every route but health (0: no limit).
    rate_limit_per_ip_per_minute: int = 1200
    #: OPA server evaluating the policies (its REST Data API); ``None`` evaluates in-process.
    opa_url: str | None = None
    #: Policy directory for in-process evaluation; ``None`` uses the packaged policies.
    policy_dir: Path | None = None
    opa_timeout_ms: int = 500
    #: GitHub Actions OIDC exchange (``AGENTIDP_GITHUB_OIDC_*``, ``AGENTIDP_JWKS_*``).
    github_oidc: GitHubOidcSettings = field(default_factory=GitHubOidcSettings)

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.data_dir / 'agentidp.db'}")
        if not self.token_audience:
            object.__setattr__(self, "token_audience", self.issuer)
        self._validate()

    @property
    def issuer(self) -> str:
        """The ``iss`` of our tokens and discovery documents: the public URL without a slash."""
        return self.public_url.rstrip("/")

    @property
    def store_backend(self) -> StoreBackend:
        """Derived from the database URL scheme."""
        return _SCHEMES[urlsplit(self.database_url).scheme]

    @property
    def sqlite_path(self) -> Path:
        """The SQLite file of a ``sqlite:///path`` URL (or a plain path)."""
        url = self.database_url
        return Path(url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url)

    def with_overrides(self, **changes: object) -> Self:
        """A copy with some fields changed (re-validated)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def _validate(self) -> None:
        url = urlsplit(self.public_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ConfigurationError("AGENTIDP_PUBLIC_URL must be an absolute http(s) URL.")
        if self.signing_algorithm not in SIGNING_ALGORITHMS:
            raise ConfigurationError(
                f"AGENTIDP_SIGNING_ALGORITHM must be one of {', '.join(SIGNING_ALGORITHMS)}."
            )
        scheme = urlsplit(self.database_url).scheme
        if scheme not in _SCHEMES:
            raise ConfigurationError(
                "AGENTIDP_DATABASE_URL must be postgresql://…, sqlite:///path or memory://."
            )
        if self.redis_url is not None and urlsplit(self.redis_url).scheme not in (
            "redis",
            "rediss",
            "unix",
        ):
            raise ConfigurationError("AGENTIDP_REDIS_URL must be a redis:// or rediss:// URL.")
        if self.redis_url is not None and self.store_backend is not StoreBackend.POSTGRES:
            raise ConfigurationError(
                "AGENTIDP_REDIS_URL needs the PostgreSQL store (Redis caches its revocations)."
            )
        if self.secret_key is not None and len(self.secret_key) < 32:
            raise ConfigurationError("AGENTIDP_SECRET_KEY must hold at least 32 bytes (64 hex).")
        if not 1 <= self.pool.min_size <= self.pool.max_size:
            raise ConfigurationError(
                "Pool sizes need 1 <= AGENTIDP_DB_POOL_MIN <= AGENTIDP_DB_POOL_MAX."
            )
        if self.environment is Environment.PRODUCTION:
            if self.store_backend is StoreBackend.MEMORY:
                raise ConfigurationError(
                    "Production refuses the memory store: it loses everything."
                )
            if url.scheme != "https":
                raise ConfigurationError("Production requires an https AGENTIDP_PUBLIC_URL.")
        if not 60 <= self.token_ttl_seconds <= 86400:
            raise ConfigurationError("AGENTIDP_TOKEN_TTL_SECONDS must be between 60 and 86400.")
        if self.audit_retention_days < 1:
            raise ConfigurationError("AGENTIDP_AUDIT_RETENTION_DAYS must be at least 1.")
        if not 1 <= self.delegation_max_depth <= 10:
            raise ConfigurationError("AGENTIDP_DELEGATION_MAX_DEPTH must be between 1 and 10.")
        if self.workers < 1:
            raise ConfigurationError("AGENTIDP_WORKERS must be at least 1.")
        if self.rate_limit_per_ip_per_minute < 0:
            raise ConfigurationError(
                "AGENTIDP_RATE_LIMIT_PER_IP_PER_MINUTE must be 0 (off) or more."
            )
        if self.opa_url is not None and urlsplit(self.opa_url).scheme not in ("http", "https"):
            raise ConfigurationError("AGENTIDP_OPA_URL must be an http(s) URL.")
        if not 1 <= self.opa_timeout_ms <= 60_000:
            raise ConfigurationError("AGENTIDP_OPA_TIMEOUT_MS must be between 1 and 60000.")
        self.github_oidc.validate(self.environment is Environment.PRODUCTION)
        if self.workers > 1 and self.store_backend is StoreBackend.MEMORY:
            raise ConfigurationError("Several workers need a shared store, not memory://.")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ``AGENTIDP_*`` variables; unknown ones are ignored, malformed ones rejected.

        Raises:
            ConfigurationError: a value is malformed or not allowed.
        """
        env = os.environ if environ is None else environ

        def get(name: str, default: str) -> str:
            return env.get(f"AGENTIDP_{name}", default)

        def integer(name: str, default: int) -> int:
            raw = get(name, str(default))
            try:
                return int(raw)
            except ValueError:
                raise ConfigurationError(
                    f"AGENTIDP_{name} must be an integer, got {raw!r}."
                ) from None

        def flag(name: str, default: bool) -> bool:
            return parse_flag(name, get(name, "true" if default else "false"))

        try:
            environment = Environment(get("ENV", "development"))
        except ValueError:
            raise ConfigurationError("AGENTIDP_ENV must be development or production.") from None
        data_dir = Path(get("DATA_DIR", ".agentidp")).expanduser()
        port = integer("PORT", 8000)
        host = get("HOST", "127.0.0.1")
        secret_hex = get("SECRET_KEY", "")
        try:
            secret_key = bytes.fromhex(secret_hex) if secret_hex else None
        except ValueError:
            raise ConfigurationError("AGENTIDP_SECRET_KEY must be hexadecimal.") from None

        def seconds(name: str, default: float) -> float:
            raw = get(name, str(default))
            try:
                return float(raw)
            except ValueError:
                raise ConfigurationError(
                    f"AGENTIDP_{name} must be a number, got {raw!r}."
                ) from None

        return cls(
            environment=environment,
            public_url=get("PUBLIC_URL", f"http://{host}:{port}"),
            host=host,
            port=port,
            workers=integer("WORKERS", 1),
            data_dir=data_dir,
            database_url=get("DATABASE_URL", ""),
            pool=PoolSettings(
                min_size=integer("DB_POOL_MIN", 2),
                max_size=integer("DB_POOL_MAX", 20),
                idle_timeout_seconds=seconds("DB_POOL_IDLE_TIMEOUT_SECONDS", 30.0),
                connect_timeout_seconds=seconds("DB_CONNECT_TIMEOUT_SECONDS", 5.0),
            ),
            redis_url=get("REDIS_URL", "") or None,
            secret_key=secret_key,
            signing_algorithm=get("SIGNING_ALGORITHM", "RS256"),
            token_ttl_seconds=integer("TOKEN_TTL_SECONDS", 3600),
            token_audience=get("TOKEN_AUDIENCE", ""),
            delegation_max_depth=integer("DELEGATION_MAX_DEPTH", 3),
            audit_retention_days=integer("AUDIT_RETENTION_DAYS", 90),
            argon2=Argon2Parameters(
                time_cost=integer("ARGON2_TIME_COST", 3),
                memory_cost_kib=integer("ARGON2_MEMORY_COST_KIB", 65536),
                parallelism=integer("ARGON2_PARALLELISM", 4),
            ),
            log_level=get("LOG_LEVEL", "info"),
            docs_enabled=flag("DOCS_ENABLED", True),
            features=Features(
                analytics=flag("ANALYTICS_ENABLED", True),
                marketplace=flag("MARKETPLACE_ENABLED", True),
                a2a=flag("A2A_ENABLED", True),
                compliance=flag("COMPLIANCE_ENABLED", True),
                tier_enforcement=flag("TIER_ENFORCEMENT", True),
                billing=flag("BILLING_ENABLED", False),
            ),
            tier_limits=parse_tier_limits(get("TIER_LIMITS", "")),
            rate_limit_per_ip_per_minute=integer("RATE_LIMIT_PER_IP_PER_MINUTE", 1200),
            opa_url=get("OPA_URL", "") or None,
            policy_dir=_optional_path(get("POLICY_DIR", "")),
            opa_timeout_ms=integer("OPA_TIMEOUT_MS", 500),
            github_oidc=GitHubOidcSettings(
                issuer=get("GITHUB_OIDC_ISSUER", GITHUB_ACTIONS_ISSUER),
                jwks_url=get("GITHUB_OIDC_JWKS_URL", ""),
                audience=get("GITHUB_OIDC_AUDIENCE", ""),
                max_token_age_seconds=integer("GITHUB_OIDC_MAX_TOKEN_AGE_SECONDS", 600),
                bootstrap_token_ttl_seconds=integer(
                    "GITHUB_OIDC_BOOTSTRAP_TOKEN_TTL_SECONDS", 300
                ),
                jwks_cache_ttl_seconds=integer("JWKS_CACHE_TTL_SECONDS", 600),
                jwks_min_refetch_seconds=integer("JWKS_MIN_REFETCH_SECONDS", 30),
                allow_loopback_http=flag("JWKS_ALLOW_LOOPBACK_HTTP", False),
            ),
        )


def _optional_path(raw: str) -> Path | None:
    """A user-supplied directory (``~`` expanded), or ``None`` when the variable is empty."""
    return Path(raw).expanduser() if raw else None
