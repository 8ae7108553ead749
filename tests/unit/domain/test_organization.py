"""Organization: slug and name rules."""

from __future__ import annotations

import string
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentidp.domain.errors import InvalidValue
from agentidp.domain.organization import Organization, OrganizationStatus
from tests.builders import NOW, make_organization
from tests.strategies import instants, organization_ids, organization_names, slugs

SLUG_CHARACTERS = set(string.ascii_lowercase + string.digits + "-")


def is_slug(value: str) -> bool:
    """Independent oracle: 1-64 of [a-z0-9-], neither starting nor ending with a hyphen."""
    return (
        1 <= len(value) <= 64
        and set(value) <= SLUG_CHARACTERS
        and not value.startswith("-")
        and not value.endswith("-")
    )


@given(slug=slugs(), name=organization_names(), now=instants())
def test_create_accepts_every_valid_slug_and_name(slug: str, name: str, now: datetime) -> None:
    """A valid slug and name make an active organization with the name stripped."""

    organization = make_organization(slug=slug, name=name, now=now)

    assert (organization.slug, organization.name) == (slug, name.strip())
    assert organization.status is OrganizationStatus.ACTIVE
    assert organization.is_active
    assert organization.created_at == now


@given(
    slug=slugs()
    | st.text(alphabet="ab09-_A. \n", max_size=70)
    | st.text(max_size=8)
    | st.integers(60, 70).map(lambda n: "a" * n)
)
def test_slug_accepted_exactly_when_it_follows_the_rule(slug: str) -> None:
    """A slug is accepted iff it is 1-64 lower-case letters, digits and inner hyphens."""

    if is_slug(slug):
        assert make_organization(slug=slug).slug == slug
    else:
        with pytest.raises(InvalidValue) as raised:
            make_organization(slug=slug)
        assert raised.value.field == "slug"


@pytest.mark.parametrize(
    "slug",
    ["a", "0", "a-b", "a--b", "acme-2026", "9lives", "x" * 64],
)
def test_slug_examples_accepted(slug: str) -> None:
    """Single characters, inner (even doubled) hyphens, digits first and 64 characters pass."""

    organization = make_organization(slug=slug)

    assert organization.slug == slug


@pytest.mark.parametrize(
    "slug",
    ["", "-", "-a", "a-", "Acme", "a_b", "a.b", "a b", "a\n", "ä", "x" * 65, "١٢"],
)
def test_slug_examples_rejected(slug: str) -> None:
    """Empty, hyphen-edged, upper-case, punctuated, non-ASCII and 65-character slugs fail."""

    with pytest.raises(InvalidValue) as raised:
        make_organization(slug=slug)

    assert raised.value.field == "slug"


@given(name=st.text(max_size=300))
def test_name_is_stripped_and_must_be_1_to_256_characters(name: str) -> None:
    """A name is accepted iff it has 1-256 characters once stripped, and is stored stripped."""
    expected = name.strip()

    if 1 <= len(expected) <= 256:
        assert make_organization(name=name).name == expected
    else:
        with pytest.raises(InvalidValue) as raised:
            make_organization(name=name)
        assert raised.value.field == "name"


@pytest.mark.parametrize(
    ("name", "accepted"),
    [
        ("", False),
        ("   ", False),
        ("\t\n", False),
        ("x", True),
        ("x" * 256, True),
        ("x" * 257, False),
        ("  " + "x" * 256 + "  ", True),
    ],
)
def test_name_length_boundaries(name: str, accepted: bool) -> None:
    """Whitespace-only names fail; 256 characters after stripping pass, 257 fail."""

    try:
        make_organization(name=name)
        created = True
    except InvalidValue:
        created = False

    assert created is accepted


@given(organization_id=organization_ids())
def test_create_keeps_the_given_id(organization_id: str) -> None:
    """The caller chooses the id; the domain never invents one."""

    organization = Organization.create(id=organization_id, slug="acme", name="Acme", now=NOW)

    assert organization.id == organization_id


def test_a_suspended_organization_is_not_active() -> None:
    """is_active follows the status."""
    organization = make_organization()

    suspended = organization.update({"status": "suspended"}, now=NOW)

    assert not suspended.is_active
