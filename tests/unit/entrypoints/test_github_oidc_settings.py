"""AGENTIDP_GITHUB_OIDC_* and AGENTIDP_JWKS_* settings."""

from __future__ import annotations

import pytest

from agentidp.entrypoints.container import _oidc_settings
from agentidp.entrypoints.settings import ConfigurationError, Settings


def test_defaults_trust_github_com_for_the_public_url() -> None:
    settings = Settings.from_env({"AGENTIDP_PUBLIC_URL": "https://idp.example.com/"})
    oidc = _oidc_settings(settings)
    assert oidc.issuer == "https://token.actions.githubusercontent.com"
    assert oidc.audience == "https://idp.example.com"
    assert oidc.jwks_uri is None
    assert oidc.algorithms == frozenset({"RS256"})
    assert oidc.max_age.total_seconds() == 600
    assert settings.github_oidc.allow_loopback_http is False


def test_enterprise_server_configuration() -> None:
    settings = Settings.from_env(
        {
            "AGENTIDP_GITHUB_OIDC_ISSUER": "https://ghe.example.com/_services/token",
            "AGENTIDP_GITHUB_OIDC_JWKS_URL": "https://ghe.example.com/_services/token/.well-known/jwks",
            "AGENTIDP_GITHUB_OIDC_AUDIENCE": "agentidp",
            "AGENTIDP_GITHUB_OIDC_MAX_TOKEN_AGE_SECONDS": "120",
            "AGENTIDP_JWKS_MIN_REFETCH_SECONDS": "5",
        }
    )
    oidc = _oidc_settings(settings)
    assert (oidc.issuer, oidc.audience) == ("https://ghe.example.com/_services/token", "agentidp")
    assert oidc.jwks_uri == "https://ghe.example.com/_services/token/.well-known/jwks"
    assert oidc.max_age.total_seconds() == 120
    assert settings.github_oidc.jwks_min_refetch_seconds == 5


@pytest.mark.parametrize(
    "environ",
    [
        {"AGENTIDP_GITHUB_OIDC_ISSUER": "ftp://x"},
        {"AGENTIDP_GITHUB_OIDC_MAX_TOKEN_AGE_SECONDS": "5"},
        {"AGENTIDP_JWKS_CACHE_TTL_SECONDS": "0"},
        {"AGENTIDP_JWKS_ALLOW_LOOPBACK_HTTP": "maybe"},
        {
            "AGENTIDP_ENV": "production",
            "AGENTIDP_PUBLIC_URL": "https://idp.example.com",
            "AGENTIDP_DATABASE_URL": "sqlite:///x.db",
            "AGENTIDP_JWKS_ALLOW_LOOPBACK_HTTP": "true",
        },
    ],
)
def test_unusable_values_are_refused(environ: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError):
        Settings.from_env(environ)
