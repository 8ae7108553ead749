"""Settings of rate limits, tiers and feature flags: defaults, parsing, and clear
ConfigurationErrors naming the variable."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentidp.domain.tiers import DEFAULT_TIER_LIMITS, PlanTier, TierLimits
from agentidp.entrypoints.settings import ConfigurationError, Features, Settings

FLAGS = {
    "ANALYTICS_ENABLED": "analytics",
    "MARKETPLACE_ENABLED": "marketplace",
    "A2A_ENABLED": "a2a",
    "COMPLIANCE_ENABLED": "compliance",
    "TIER_ENFORCEMENT": "tier_enforcement",
    "BILLING_ENABLED": "billing",
}


def test_defaults() -> None:
    """Every feature on except billing; DECISIONS.md's tiers; 1200 requests per IP."""
    settings = Settings.from_env({})

    assert settings.features == Features()
    assert settings.features.billing is False
    assert all(getattr(settings.features, f) for f in FLAGS.values() if f != "billing")
    assert settings.tier_limits == DEFAULT_TIER_LIMITS
    assert settings.rate_limit_per_ip_per_minute == 1200


@pytest.mark.parametrize(("variable", "field"), FLAGS.items())
@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("FALSE", False), ("1", True), ("off", False)]
)
def test_flags_parse(variable: str, field: str, raw: str, expected: bool) -> None:
    """true/false, 1/0, yes/no, on/off in any case."""
    settings = Settings.from_env({f"AGENTIDP_{variable}": raw})

    assert getattr(settings.features, field) is expected


@pytest.mark.parametrize("variable", FLAGS)
def test_a_malformed_flag_names_its_variable(variable: str) -> None:
    """Anything else is refused, naming the variable."""
    with pytest.raises(ConfigurationError, match=f"AGENTIDP_{variable} must be true or false"):
        Settings.from_env({f"AGENTIDP_{variable}": "maybe"})


@given(
    tier=st.sampled_from(list(PlanTier)),
    figures=st.fixed_dictionaries(
        {},
        optional={
            "maxAgents": st.none() | st.integers(1, 10**9),
            "maxTokensPerMonth": st.none() | st.integers(1, 10**9),
            "requestsPerMinute": st.none() | st.integers(1, 10**6),
        },
    ),
)
def test_tier_limits_replace_only_the_figures_given(
    tier: PlanTier, figures: dict[str, int | None]
) -> None:
    """AGENTIDP_TIER_LIMITS changes exactly the figures it names (null: unlimited)."""

    limits = Settings.from_env(
        {"AGENTIDP_TIER_LIMITS": json.dumps({tier.value: figures})}
    ).tier_limits

    default = DEFAULT_TIER_LIMITS[tier]
    assert limits[tier] == TierLimits(
        max_agents=figures.get("maxAgents", default.max_agents),
        max_tokens_per_month=figures.get("maxTokensPerMonth", default.max_tokens_per_month),
        requests_per_minute=figures.get("requestsPerMinute", default.requests_per_minute),
    )
    assert {t: v for t, v in limits.items() if t is not tier} == {
        t: v for t, v in DEFAULT_TIER_LIMITS.items() if t is not tier
    }


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[]",
        '{"gold": {}}',
        '{"free": []}',
        '{"free": {"maxAgents": 0}}',
        '{"free": {"maxAgents": -5}}',
        '{"free": {"maxAgents": 1.5}}',
        '{"free": {"maxAgents": true}}',
        '{"free": {"seats": 3}}',
    ],
)
def test_a_malformed_tier_table_is_refused(raw: str) -> None:
    """Unknown tiers or keys, non-integers and figures below 1 are configuration errors."""
    with pytest.raises(ConfigurationError, match="AGENTIDP_TIER_LIMITS"):
        Settings.from_env({"AGENTIDP_TIER_LIMITS": raw})


@pytest.mark.parametrize(("raw", "ok"), [("0", True), ("30", True), ("-1", False), ("x", False)])
def test_the_per_ip_limit(raw: str, ok: bool) -> None:
    """0 switches the per-IP limit off; negatives and non-integers are refused."""
    if ok:
        assert Settings.from_env(
            {"AGENTIDP_RATE_LIMIT_PER_IP_PER_MINUTE": raw}
        ).rate_limit_per_ip_per_minute == int(raw)
    else:
        with pytest.raises(ConfigurationError, match="AGENTIDP_RATE_LIMIT_PER_IP_PER_MINUTE"):
            Settings.from_env({"AGENTIDP_RATE_LIMIT_PER_IP_PER_MINUTE": raw})
