"""Hypothesis strategies for the domain's values and aggregates, shared by every test layer.

Each strategy draws *valid* inputs unless its name says otherwise (``invalid_*``), so a test
can state "for every agent ..." without filtering. Time is always timezone-aware; identifiers
are canonical lower-case UUID strings, as :func:`agentidp.domain.ids.is_uuid` demands.
"""

from __future__ import annotations

import ipaddress
import string
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from hypothesis import strategies as st

from agentidp.domain.agent import (
    MAX_CAPABILITIES,
    MUTABLE_FIELDS,
    Agent,
    AgentStatus,
    AgentType,
    DeploymentEnv,
)
from agentidp.domain.audit import (
    GENESIS_HASH,
    AuditAction,
    AuditEvent,
    ChainedAuditEvent,
    Outcome,
    chain,
)
from agentidp.domain.credential import SECRET_HEX_LENGTH, Credential, CredentialStatus
from agentidp.domain.errors import DomainError, InvalidScope, InvalidValue
from agentidp.domain.ids import (
    AgentId,
    AuditEventId,
    CredentialId,
    OrganizationId,
    TokenId,
)
from agentidp.domain.organization import Organization
from agentidp.domain.scopes import KNOWN_SCOPES
from agentidp.domain.token import AccessTokenClaims

#: The window instants are drawn from: far enough from datetime.min/max that any UTC offset
#: converts without overflow, and after 1970 so POSIX timestamps (JWT ``iat``) are positive.
MIN_INSTANT = datetime(2000, 1, 1, tzinfo=UTC)
MAX_INSTANT = datetime(2100, 1, 1, tzinfo=UTC)

# ---------------------------------------------------------------------------------------------
# Time
# ---------------------------------------------------------------------------------------------


def fixed_offsets() -> st.SearchStrategy[tzinfo]:
    """Fixed UTC offsets in whole minutes strictly inside (-24 h, +24 h), UTC included."""
    minutes = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1)
    return st.just(UTC) | minutes.map(lambda m: timezone(timedelta(minutes=m)))


def instants(
    *,
    min_value: datetime = MIN_INSTANT,
    max_value: datetime = MAX_INSTANT,
    any_offset: bool = False,
) -> st.SearchStrategy[datetime]:
    """Timezone-aware instants with microseconds; in UTC unless ``any_offset`` is true.

    ``any_offset`` spells the same kind of instant in a random fixed offset, for checks that
    behaviour depends on the instant and not on how it is written.
    """
    naive = st.datetimes(
        min_value=min_value.astimezone(UTC).replace(tzinfo=None),
        max_value=max_value.astimezone(UTC).replace(tzinfo=None),
    )
    utc = naive.map(lambda moment: moment.replace(tzinfo=UTC))
    if not any_offset:
        return utc
    return st.builds(lambda moment, tz: moment.astimezone(tz), utc, fixed_offsets())


def durations(
    *, min_value: timedelta = timedelta(0), max_value: timedelta = timedelta(days=365)
) -> st.SearchStrategy[timedelta]:
    """Non-negative time steps (by default up to a year), for advancing a monotonic clock."""
    return st.timedeltas(min_value=min_value, max_value=max_value)


def positive_durations(max_value: timedelta = timedelta(days=365)) -> st.SearchStrategy[timedelta]:
    """Strictly positive durations, at least one microsecond."""
    return durations(min_value=timedelta(microseconds=1), max_value=max_value)


# ---------------------------------------------------------------------------------------------
# Identifiers
# ---------------------------------------------------------------------------------------------


def uuid_strings() -> st.SearchStrategy[str]:
    """Canonical lower-case UUID strings (any 128-bit value, so any version and variant)."""
    return st.integers(0, 2**128 - 1).map(lambda n: str(uuid.UUID(int=n)))


def organization_ids() -> st.SearchStrategy[OrganizationId]:
    """Organization ids."""
    return uuid_strings().map(OrganizationId)


def agent_ids() -> st.SearchStrategy[AgentId]:
    """Agent ids (also their OAuth client ids)."""
    return uuid_strings().map(AgentId)


def credential_ids() -> st.SearchStrategy[CredentialId]:
    """Credential ids."""
    return uuid_strings().map(CredentialId)


def token_ids() -> st.SearchStrategy[TokenId]:
    """Access-token ids (``jti``)."""
    return uuid_strings().map(TokenId)


def audit_event_ids() -> st.SearchStrategy[AuditEventId]:
    """Audit event ids."""
    return uuid_strings().map(AuditEventId)


# ---------------------------------------------------------------------------------------------
# Scopes
# ---------------------------------------------------------------------------------------------


def scope_names() -> st.SearchStrategy[str]:
    """One scope from :data:`KNOWN_SCOPES`."""
    return st.sampled_from(sorted(KNOWN_SCOPES))


def scope_sets(*, min_size: int = 0) -> st.SearchStrategy[frozenset[str]]:
    """Any subset of :data:`KNOWN_SCOPES` with at least ``min_size`` members."""
    return st.frozensets(scope_names(), min_size=min_size)


# ---------------------------------------------------------------------------------------------
# Free-form values
# ---------------------------------------------------------------------------------------------


def unicode_text(
    *, min_size: int = 0, max_size: int | None = 40, surrogates: bool = False
) -> st.SearchStrategy[str]:
    """Any text: every Unicode category including controls, format and private-use characters.

    Surrogate code points are left out unless ``surrogates`` is true: such text cannot be
    encoded as UTF-8, so it never comes back from HTTP, a database or a JSON document.
    """
    excluded = () if surrogates else ("Cs",)
    alphabet = st.characters(codec=None, exclude_categories=excluded)
    return st.text(alphabet, min_size=min_size, max_size=max_size)


def json_scalars() -> st.SearchStrategy[Any]:
    """JSON scalars: null, booleans, integers of any size, finite floats, any text."""
    return (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | unicode_text(max_size=12)
    )


def json_values(*, depth: int = 2) -> st.SearchStrategy[Any]:
    """Arbitrary JSON documents nested up to ``depth`` arrays/objects deep.

    Built level by level rather than with ``st.recursive``, whose leaf budget makes it retry
    (and slow down) a quarter of the draws for documents this small.
    """
    values = json_scalars()
    for _ in range(depth):
        values = (
            json_scalars()
            | st.lists(values, max_size=3)
            | st.dictionaries(unicode_text(max_size=8), values, max_size=3)
        )
    return values


def json_objects(*, max_size: int = 3, depth: int = 1) -> st.SearchStrategy[dict[str, Any]]:
    """JSON objects (``metadata`` fields): string keys, arbitrary JSON values."""
    return st.dictionaries(unicode_text(max_size=8), json_values(depth=depth), max_size=max_size)


def ip_addresses() -> st.SearchStrategy[str]:
    """IPv4 and IPv6 addresses as strings (built from integers: several times cheaper to draw)."""
    v4 = st.integers(0, 2**32 - 1).map(lambda n: str(ipaddress.IPv4Address(n)))
    v6 = st.integers(0, 2**128 - 1).map(lambda n: str(ipaddress.IPv6Address(n)))
    return v4 | v6


# ---------------------------------------------------------------------------------------------
# Agent field values
# ---------------------------------------------------------------------------------------------

_EMAIL_ATOM = string.ascii_letters + string.digits + "_%+-"
_LABEL_EDGE = string.ascii_letters + string.digits
_LABEL_INNER = _LABEL_EDGE + "-"
_SEMVER_IDENT = string.ascii_letters + string.digits + "-"
_CAP_HEAD = string.ascii_lowercase + string.digits
_CAP_RESOURCE = _CAP_HEAD + "_.-"
_CAP_ACTION_HEAD = _CAP_HEAD + "*"
_CAP_ACTION = _CAP_HEAD + "_.*-"


@st.composite
def email_labels(draw: st.DrawFn) -> str:
    """A hostname label (RFC 1123): letters, digits and inner hyphens, 1 to 63 characters."""
    first = draw(st.sampled_from(_LABEL_EDGE))
    if draw(st.booleans()):
        return first
    inner = draw(st.text(_LABEL_INNER, max_size=18))
    return first + inner + draw(st.sampled_from(_LABEL_EDGE))


@st.composite
def emails(draw: st.DrawFn) -> str:
    """Addresses the agent email rule accepts: a dot-atom local part of at most 64 characters
    and two or more hostname labels, in any letter case (the domain lower-cases them)."""
    atoms = draw(st.lists(st.text(_EMAIL_ATOM, min_size=1, max_size=12), min_size=1, max_size=4))
    local = ".".join(atoms)
    labels = draw(st.lists(email_labels(), min_size=2, max_size=4))
    return f"{local}@{'.'.join(labels)}"


def _numeric_identifiers() -> st.SearchStrategy[str]:
    return st.integers(min_value=0, max_value=10**6).map(str)


@st.composite
def semvers(draw: st.DrawFn) -> str:
    """Semantic versions (semver.org 2.0.0), with optional pre-release and build parts."""
    core = ".".join(draw(_numeric_identifiers()) for _ in range(3))
    # semver.org 2.0.0 §9: numeric pre-release identifiers must not have leading zeros.
    word = st.text(_SEMVER_IDENT, min_size=1, max_size=6).filter(lambda s: not s.isdigit())
    pre = draw(st.lists(word | _numeric_identifiers(), max_size=2))
    build = draw(st.lists(st.text(_SEMVER_IDENT, min_size=1, max_size=6), max_size=2))
    return core + (f"-{'.'.join(pre)}" if pre else "") + (f"+{'.'.join(build)}" if build else "")


@st.composite
def capabilities(draw: st.DrawFn) -> str:
    """One ``resource:action`` capability (``*`` allowed in the action)."""
    resource = draw(st.text(_CAP_HEAD, min_size=1, max_size=1)) + draw(
        st.text(_CAP_RESOURCE, max_size=10)
    )
    action = draw(st.text(_CAP_ACTION_HEAD, min_size=1, max_size=1)) + draw(
        st.text(_CAP_ACTION, max_size=10)
    )
    return f"{resource}:{action}"


def capability_lists(*, max_size: int = 8) -> st.SearchStrategy[list[str]]:
    """Lists of capabilities, duplicates allowed (the domain de-duplicates, keeping order)."""
    return st.lists(capabilities(), max_size=min(max_size, MAX_CAPABILITIES))


def agent_types() -> st.SearchStrategy[str]:
    """Agent type values as a client sends them."""
    return st.sampled_from([t.value for t in AgentType])


def deployment_envs() -> st.SearchStrategy[str]:
    """Deployment environment values as a client sends them."""
    return st.sampled_from([e.value for e in DeploymentEnv])


def owners() -> st.SearchStrategy[str]:
    """Owner names: 1 to 256 characters once surrounding whitespace is stripped."""
    core = st.text(min_size=1, max_size=40).filter(lambda s: s.strip() == s and s != "")
    padding = st.sampled_from(["", " ", "\t", "  "])
    return st.builds(lambda left, text, right: left + text + right, padding, core, padding)


def agent_registrations() -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments for :meth:`Agent.register`, without ``now``."""
    return st.fixed_dictionaries(
        {
            "id": agent_ids(),
            "organization_id": organization_ids(),
            "email": emails(),
            "agent_type": agent_types(),
            "version": semvers(),
            "capabilities": capability_lists(),
            "owner": owners(),
            "deployment_env": deployment_envs(),
            "scopes": scope_sets(),
            "metadata": json_objects(max_size=3),
        }
    )


def agent_changes() -> st.SearchStrategy[dict[str, Any]]:
    """Valid partial updates for :meth:`Agent.update`: any subset of the mutable fields."""
    return st.fixed_dictionaries(
        {},
        optional={
            "agent_type": agent_types(),
            "version": semvers(),
            "capabilities": capability_lists() | capability_lists().map(tuple),
            "owner": owners(),
            "deployment_env": deployment_envs(),
            "metadata": json_objects(max_size=3),
            "scopes": scope_sets() | scope_sets().map(sorted),
        },
    )


#: How the domain stores each mutable field it accepted: the model of a successful update.
NORMALISED_AGENT_FIELDS: dict[str, Callable[[Any], Any]] = {
    "agent_type": AgentType,
    "version": str,
    "capabilities": lambda value: tuple(dict.fromkeys(value)),
    "owner": str.strip,
    "deployment_env": DeploymentEnv,
    "metadata": dict,
    "scopes": frozenset,
}


def normalised_agent_fields(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The mutable fields an accepted registration or update leaves on the agent."""
    return {name: NORMALISED_AGENT_FIELDS[name](value) for name, value in changes.items()}


def agent_mutable_fields(agent: Agent) -> dict[str, Any]:
    """An agent's current mutable fields, comparable with :func:`normalised_agent_fields`."""
    return {name: getattr(agent, name) for name in MUTABLE_FIELDS}


#: Values each mutable agent field must refuse, with the domain error that refuses them.
INVALID_AGENT_VALUES: list[tuple[str, object, type[DomainError]]] = [
    ("agent_type", "robot", InvalidValue),
    ("agent_type", "SCREENER", InvalidValue),
    ("agent_type", "", InvalidValue),
    ("agent_type", None, InvalidValue),
    ("agent_type", ["custom"], InvalidValue),
    ("version", "1.0", InvalidValue),
    ("version", "v1.0.0", InvalidValue),
    ("version", "01.0.0", InvalidValue),
    ("version", "1.0.0-", InvalidValue),
    ("version", "1.0.0+", InvalidValue),
    ("version", "1.0.0 ", InvalidValue),
    ("version", "1.0.0\n", InvalidValue),
    ("version", "1.0.0-" + "a" * 60, InvalidValue),
    ("version", 1, InvalidValue),
    ("version", None, InvalidValue),
    ("capabilities", "documents:read", InvalidValue),
    ("capabilities", {"documents:read"}, InvalidValue),
    ("capabilities", None, InvalidValue),
    ("capabilities", ["documents"], InvalidValue),
    ("capabilities", ["Documents:read"], InvalidValue),
    ("capabilities", [":read"], InvalidValue),
    ("capabilities", ["documents:"], InvalidValue),
    ("capabilities", ["-documents:read"], InvalidValue),
    ("capabilities", ["documents:read:all"], InvalidValue),
    ("capabilities", ["documents:read", 3], InvalidValue),
    ("capabilities", ["documents:read\n"], InvalidValue),
    ("capabilities", ["a" * 65 + ":read"], InvalidValue),
    ("capabilities", ["a:b"] * (MAX_CAPABILITIES + 1), InvalidValue),
    ("owner", "", InvalidValue),
    ("owner", " \t ", InvalidValue),
    ("owner", "x" * 257, InvalidValue),
    ("owner", None, InvalidValue),
    ("owner", 42, InvalidValue),
    ("deployment_env", "prod", InvalidValue),
    ("deployment_env", "Production", InvalidValue),
    ("deployment_env", None, InvalidValue),
    ("metadata", 5, InvalidValue),
    ("metadata", "ab", InvalidValue),
    ("metadata", ["ab", "cd"], InvalidValue),
    ("metadata", [("key", "value")], InvalidValue),
    ("metadata", {1: "not a string key"}, InvalidValue),
    ("scopes", "agents:read", InvalidValue),
    ("scopes", None, InvalidValue),
    ("scopes", 7, InvalidValue),
    ("scopes", {"agents:read": True}, InvalidValue),
    ("scopes", [1], InvalidValue),
    ("scopes", [""], InvalidValue),
    ("scopes", ["agents:delete"], InvalidScope),
    ("scopes", ["agents:read", "admin"], InvalidScope),
    ("scopes", ["agents:read agents:write"], InvalidScope),
]


def invalid_agent_values() -> st.SearchStrategy[tuple[str, object, type[DomainError]]]:
    """One ``(field, bad value, expected error)`` row of :data:`INVALID_AGENT_VALUES`."""
    return st.sampled_from(INVALID_AGENT_VALUES)


@st.composite
def agents(
    draw: st.DrawFn,
    *,
    status: AgentStatus | None = None,
    created_at: st.SearchStrategy[datetime] | None = None,
) -> Agent:
    """Registered agents, taken to ``status`` (any status when ``None``) through the domain."""
    registration = draw(agent_registrations())
    now = draw(created_at if created_at is not None else instants())
    agent = Agent.register(**registration, now=now)
    target = status if status is not None else draw(st.sampled_from(list(AgentStatus)))
    if target is AgentStatus.SUSPENDED:
        agent.suspend(now=now)
    elif target is AgentStatus.DECOMMISSIONED:
        agent.decommission(now=now)
    return agent


# ---------------------------------------------------------------------------------------------
# Credentials
# ---------------------------------------------------------------------------------------------


def secret_randomness() -> st.SearchStrategy[str]:
    """What :func:`format_client_secret` expects: 32 random bytes as 64 lower-case hex digits."""
    return st.binary(min_size=SECRET_HEX_LENGTH // 2, max_size=SECRET_HEX_LENGTH // 2).map(
        bytes.hex
    )


def secret_hashes() -> st.SearchStrategy[str]:
    """Opaque stand-ins for argon2id hashes (the domain never looks inside them)."""
    return st.binary(min_size=16, max_size=16).map(lambda salt: f"$argon2id$v=19$fake${salt.hex()}")


@st.composite
def credentials(
    draw: st.DrawFn,
    *,
    status: CredentialStatus | None = None,
    expiring: bool | None = None,
) -> Credential:
    """Credentials issued through the domain, then revoked when ``status`` asks for it.

    ``expiring`` forces an expiry (``True``), none (``False``) or either (``None``).
    """
    now = draw(instants(max_value=datetime(2090, 1, 1, tzinfo=UTC)))
    with_expiry = draw(st.booleans()) if expiring is None else expiring
    expires_at = now + draw(positive_durations()) if with_expiry else None
    credential = Credential.issue(
        id=draw(credential_ids()),
        agent_id=draw(agent_ids()),
        organization_id=draw(organization_ids()),
        agent_active=True,
        agent_status=AgentStatus.ACTIVE.value,
        secret_hash=draw(secret_hashes()),
        now=now,
        expires_at=expires_at,
    )
    target = status if status is not None else draw(st.sampled_from(list(CredentialStatus)))
    if target is CredentialStatus.REVOKED:
        credential.revoke(now=now + draw(durations(max_value=timedelta(days=30))))
    return credential


# ---------------------------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------------------------


def issuers() -> st.SearchStrategy[str]:
    """Issuer URLs."""
    host = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12)
    return host.map(lambda h: f"https://{h}.example")


def audiences() -> st.SearchStrategy[str]:
    """Non-empty audience strings."""
    return st.text(min_size=1, max_size=30)


def access_token_claims(
    *, issuer: str | None = None, audience: str | None = None
) -> st.SearchStrategy[AccessTokenClaims]:
    """Claims minted by :meth:`AccessTokenClaims.issue` for known scopes."""
    return st.builds(
        AccessTokenClaims.issue,
        issuer=st.just(issuer) if issuer is not None else issuers(),
        audience=st.just(audience) if audience is not None else audiences(),
        agent_id=agent_ids(),
        organization_id=organization_ids(),
        scope=scope_sets(),
        jti=token_ids(),
        now=instants(any_offset=True),
        ttl=durations(min_value=timedelta(seconds=1), max_value=timedelta(days=1)),
    )


# ---------------------------------------------------------------------------------------------
# Audit
# ---------------------------------------------------------------------------------------------


def audit_events(
    *,
    ids: st.SearchStrategy[AuditEventId] | None = None,
    metadata: st.SearchStrategy[dict[str, Any]] | None = None,
) -> st.SearchStrategy[AuditEvent]:
    """Audit events with every optional field exercised: ``None`` tenants, unicode user agents,
    arbitrary JSON metadata, timestamps in any UTC offset."""
    return st.builds(
        AuditEvent,
        id=ids if ids is not None else audit_event_ids(),
        occurred_at=instants(any_offset=True),
        organization_id=st.none() | organization_ids(),
        actor_id=st.none() | unicode_text(max_size=8),
        agent_id=st.none() | agent_ids(),
        action=st.sampled_from(list(AuditAction)),
        outcome=st.sampled_from(list(Outcome)),
        ip_address=st.none() | ip_addresses(),
        user_agent=st.none() | unicode_text(max_size=16),
        metadata=metadata if metadata is not None else json_objects(),
    )


def audit_event_lists(
    *, min_size: int = 0, max_size: int = 5
) -> st.SearchStrategy[list[AuditEvent]]:
    """Lists of audit events with pairwise distinct ids (as a real log has)."""
    return st.lists(
        audit_events(), min_size=min_size, max_size=max_size, unique_by=lambda event: event.id
    )


def audit_chains(
    *, min_size: int = 0, max_size: int = 5, previous_hash: str = GENESIS_HASH
) -> st.SearchStrategy[list[ChainedAuditEvent]]:
    """Correctly linked audit logs, starting after ``previous_hash`` (the genesis by default)."""
    events = audit_event_lists(min_size=min_size, max_size=max_size)
    return events.map(lambda batch: chain(batch, previous_hash))


def sha256_hex() -> st.SearchStrategy[str]:
    """64 lower-case hex digits: the shape of a chain hash."""
    return st.binary(min_size=32, max_size=32).map(bytes.hex)


# ---------------------------------------------------------------------------------------------
# Organizations
# ---------------------------------------------------------------------------------------------

_SLUG_EDGE = string.ascii_lowercase + string.digits


@st.composite
def slugs(draw: st.DrawFn) -> str:
    """Valid organization slugs: 1-64 of ``[a-z0-9-]``, never starting or ending with ``-``."""
    first = draw(st.sampled_from(_SLUG_EDGE))
    if draw(st.booleans()):
        return first
    middle = draw(st.text(_SLUG_EDGE + "-", max_size=62))
    return first + middle + draw(st.sampled_from(_SLUG_EDGE))


def organization_names() -> st.SearchStrategy[str]:
    """Organization names: 1 to 256 characters once stripped."""
    return st.text(min_size=1, max_size=60).filter(lambda name: 1 <= len(name.strip()) <= 256)


def organizations() -> st.SearchStrategy[Organization]:
    """Organizations created through the domain."""
    return st.builds(
        Organization.create,
        id=organization_ids(),
        slug=slugs(),
        name=organization_names(),
        now=instants(),
    )
