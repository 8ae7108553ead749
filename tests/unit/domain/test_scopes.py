"""OAuth scopes (RFC 6749 §3.3): parsing, formatting and narrowing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentidp.domain.errors import InvalidScope, InvalidValue, ScopeNotGranted
from agentidp.domain.scopes import (
    AGENTS_READ,
    AGENTS_WRITE,
    KNOWN_SCOPES,
    TOKENS_READ,
    format_scope,
    grantable,
    narrow,
    parse_scope,
    scope_collection,
    validate_scopes,
)
from tests.strategies import scope_names, scope_sets, unicode_text

# ---------------------------------------------------------------------------------------------
# Parse and format
# ---------------------------------------------------------------------------------------------


@given(scopes=scope_sets())
def test_parse_inverts_format_for_any_subset_of_known_scopes(scopes: frozenset[str]) -> None:
    """parse_scope(format_scope(s)) == s for every subset of KNOWN_SCOPES."""

    parsed = parse_scope(format_scope(scopes))

    assert parsed == scopes


@given(order=st.permutations(sorted(KNOWN_SCOPES)), size=st.integers(0, len(KNOWN_SCOPES)))
def test_format_is_canonical_whatever_the_input_order(order: list[str], size: int) -> None:
    """The same set always renders as the same sorted, single-space-separated string."""
    chosen = order[:size]

    rendered = format_scope(chosen)

    assert rendered == " ".join(sorted(chosen))
    assert "  " not in rendered
    assert rendered == rendered.strip()


@given(scopes=scope_sets(min_size=1), pads=st.lists(st.sampled_from([" ", "  "]), min_size=2))
def test_parse_skips_empty_tokens_from_extra_spaces(
    scopes: frozenset[str], pads: list[str]
) -> None:
    """Leading, trailing and repeated spaces yield empty tokens, which are skipped."""
    raw = pads[0] + pads[-1].join(sorted(scopes)) + pads[1]

    parsed = parse_scope(raw)

    assert parsed == scopes


def test_parse_of_the_empty_string_is_the_empty_set() -> None:
    """No scope parameter means no scopes."""

    parsed = parse_scope("")

    assert parsed == frozenset()


@given(scopes=st.lists(scope_names(), min_size=1))
def test_validate_collapses_duplicates(scopes: list[str]) -> None:
    """Repeating a scope does not change the set."""

    validated = validate_scopes(scopes)

    assert validated == frozenset(scopes)


# ---------------------------------------------------------------------------------------------
# Malformed and unknown scopes
# ---------------------------------------------------------------------------------------------

#: Characters RFC 6749 §3.3 excludes from a scope-token: controls, space, '"', '\\', DEL.
FORBIDDEN_CHARACTERS = [chr(c) for c in range(0x21)] + ['"', "\\", "\x7f"]


@pytest.mark.parametrize(
    "token",
    [
        "agents:delete",
        "AGENTS:READ",
        "agents",
        "agents:read:all",
        '"agents:read"',
        "agents:read\\",
        "agents\\:read",
        "agents:read\x00",
        "\tagents:read",
        "agents:read\n",
        "agents:reäd",
        "agents:read\u200b",
        "*",
    ],
)
def test_validate_rejects_malformed_or_unknown_tokens(token: str) -> None:
    """Quotes, backslashes, control and non-ASCII characters and unknown names are InvalidScope."""

    with pytest.raises(InvalidScope) as raised:
        validate_scopes([AGENTS_READ, token])

    assert raised.value.scope == token
    assert raised.value.code == "invalid_scope"


@given(
    known=scope_names(),
    position=st.integers(min_value=0, max_value=32),
    bad=st.sampled_from(FORBIDDEN_CHARACTERS),
)
def test_a_forbidden_character_anywhere_in_a_known_scope_is_rejected(
    known: str, position: int, bad: str
) -> None:
    """Inserting any RFC-forbidden character into a known scope makes it invalid."""
    cut = position % (len(known) + 1)
    token = known[:cut] + bad + known[cut:]

    with pytest.raises(InvalidScope):
        validate_scopes([token])


@given(known=scope_names(), cut=st.integers(min_value=1, max_value=32))
def test_a_space_inside_a_scope_splits_it_into_unknown_tokens(known: str, cut: int) -> None:
    """A space inside a scope name splits it into two halves, neither of which is known."""
    cut = 1 + cut % (len(known) - 1)
    raw = known[:cut] + " " + known[cut:]

    with pytest.raises(InvalidScope):
        parse_scope(raw)


@given(token=unicode_text(max_size=20) | scope_names())
def test_a_single_token_is_accepted_iff_it_is_known_or_empty(token: str) -> None:
    """validate_scopes accepts exactly the names in KNOWN_SCOPES (and skips the empty string)."""
    acceptable = token in KNOWN_SCOPES or token == ""

    if acceptable:
        assert validate_scopes([token]) == ({token} - {""})
    else:
        with pytest.raises(InvalidScope) as raised:
            validate_scopes([token])
        assert raised.value.scope == token


# ---------------------------------------------------------------------------------------------
# Scope collections (JSON lists, sets)
# ---------------------------------------------------------------------------------------------


@given(
    scopes=st.lists(scope_names()),
    container=st.sampled_from([list, tuple, set, frozenset]),
)
def test_scope_collection_accepts_any_collection_of_known_scopes(
    scopes: list[str], container: type
) -> None:
    """A list, tuple or set of known scope names becomes their frozenset."""

    validated = scope_collection(container(scopes))

    assert validated == frozenset(scopes)


@pytest.mark.parametrize(
    "value",
    [
        AGENTS_READ,
        "",
        None,
        7,
        {AGENTS_READ: True},
        iter([AGENTS_READ]),
        [AGENTS_READ, 1],
        [AGENTS_READ, None],
        [""],
        [b"agents:read"],
    ],
    ids=[
        "str",
        "empty-str",
        "none",
        "int",
        "dict",
        "iterator",
        "int-item",
        "none-item",
        "empty-item",
        "bytes-item",
    ],
)
def test_scope_collection_rejects_anything_but_a_collection_of_names(value: object) -> None:
    """A bare string (the space-delimited form), a non-collection or a non-string / empty
    item is InvalidValue on ``scopes``, never iterated character by character."""

    with pytest.raises(InvalidValue) as raised:
        scope_collection(value)

    assert raised.value.field == "scopes"


def test_scope_collection_rejects_an_unknown_scope_by_name() -> None:
    """Well-typed but unknown names are InvalidScope naming the scope."""

    with pytest.raises(InvalidScope) as raised:
        scope_collection([AGENTS_READ, "agents:delete"])

    assert raised.value.scope == "agents:delete"


# ---------------------------------------------------------------------------------------------
# Narrow
# ---------------------------------------------------------------------------------------------


@given(requested=scope_sets(min_size=1), granted=scope_sets())
def test_narrow_returns_the_request_iff_it_is_a_subset(
    requested: frozenset[str], granted: frozenset[str]
) -> None:
    """A non-empty request comes back unchanged when granted, else ScopeNotGranted."""

    if requested <= granted:
        assert narrow(requested, granted) == requested
    else:
        with pytest.raises(ScopeNotGranted) as raised:
            narrow(requested, granted)
        assert (raised.value.requested, raised.value.available) == (requested, granted)


@given(requested=scope_sets(), granted=scope_sets())
def test_narrowing_never_grows_the_set(requested: frozenset[str], granted: frozenset[str]) -> None:
    """Whatever narrow returns is a subset of what was granted."""

    try:
        narrowed = narrow(requested, granted)
    except ScopeNotGranted:
        return

    assert narrowed <= granted


@given(granted=scope_sets())
def test_an_empty_request_means_everything_granted(granted: frozenset[str]) -> None:
    """RFC 6749 §3.3 default: omitting scope yields the full grant."""

    narrowed = narrow(frozenset(), granted)

    assert narrowed == granted


@given(chain=st.lists(scope_sets(min_size=1), min_size=1, max_size=5), root=scope_sets())
def test_repeated_narrowing_only_ever_shrinks(
    chain: list[frozenset[str]], root: frozenset[str]
) -> None:
    """Along any chain of successful narrowings, each result is within the previous one."""
    current = root

    for requested in chain:
        try:
            narrowed = narrow(requested, current)
        except ScopeNotGranted:
            break
        assert narrowed <= current
        current = narrowed

    assert current <= root


@given(requested=scope_sets(), granted=scope_sets())
def test_grantable_returns_the_request_iff_the_granter_holds_it(
    requested: frozenset[str], granted: frozenset[str]
) -> None:
    """Delegation never widens: the request comes back as-is when held, else ScopeNotGranted."""

    if requested <= granted:
        assert grantable(requested, granted) == requested
    else:
        with pytest.raises(ScopeNotGranted) as raised:
            grantable(requested, granted)
        assert (raised.value.requested, raised.value.available) == (requested, granted)


@given(granted=scope_sets())
def test_an_empty_grant_request_grants_nothing(granted: frozenset[str]) -> None:
    """Unlike narrow's RFC 6749 default, an empty grant request is the empty set."""

    result = grantable(frozenset(), granted)

    assert result == frozenset()


def test_scope_not_granted_lists_sorted_requested_and_available() -> None:
    """The error details are sorted lists, ready for a problem document."""

    with pytest.raises(ScopeNotGranted) as raised:
        narrow(frozenset({TOKENS_READ, AGENTS_WRITE}), frozenset({AGENTS_READ}))

    assert raised.value.details == {
        "requested": [AGENTS_WRITE, TOKENS_READ],
        "available": [AGENTS_READ],
    }
