"""Refusals become ``code: message`` on stderr and a stable exit code, without tracebacks."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from cli_harness import Cli

from agentidp.application import errors as app
from agentidp.domain import errors as domain
from agentidp.entrypoints.cli.exit_codes import ExitCode, describe, exit_code_for
from agentidp.entrypoints.settings import ConfigurationError

UNKNOWN_AGENT = "00000000-0000-4000-8000-000000000000"


def _assert_clean_failure(result: Any, code: int, line: str) -> None:
    assert result.exit_code == code, result.output
    assert line in result.stderr
    assert "Traceback" not in result.output


def test_unknown_organization_is_not_found(agentidp: Cli) -> None:
    """An unknown slug names itself and exits 3."""
    result = agentidp("agents", "list", "--organization", "nope")

    _assert_clean_failure(result, 3, "ORG_NOT_FOUND: No organization with slug 'nope'.")


def test_bad_email_is_a_validation_error(agentidp: Cli, acme: dict[str, Any]) -> None:
    """A malformed email is refused by the domain rule and exits 7."""
    result = agentidp(
        "agents", "register", "-o", "acme", "--email", "not-an-email", "--owner", "team-a"
    )

    _assert_clean_failure(result, 7, "VALIDATION_ERROR: email: must be a valid email address")


def test_bootstrap_with_a_bad_email_is_a_validation_error(agentidp: Cli) -> None:
    """Bootstrap validates its input like every other command."""
    result = agentidp("bootstrap", "-o", "acme", "--admin-email", "nope")

    _assert_clean_failure(result, 7, "VALIDATION_ERROR: email:")


def test_wrong_secret_is_invalid_client(agentidp: Cli, acme: dict[str, Any]) -> None:
    """A wrong secret is the same ``invalid_client`` as an unknown client; exit 5."""
    wrong = "sk_live_" + "0" * 64

    result = agentidp(
        "token",
        "issue",
        "--client-id",
        acme["clientId"],
        env={"AGENTIDP_CLIENT_SECRET": wrong},
    )

    _assert_clean_failure(result, 5, "invalid_client: Client authentication failed.")
    assert wrong not in result.output


def test_unknown_agent_is_not_found(agentidp: Cli, acme: dict[str, Any]) -> None:
    """An unknown agent id exits 3 with the API's code."""
    result = agentidp("agents", "get", "-o", "acme", UNKNOWN_AGENT)

    _assert_clean_failure(result, 3, "AGENT_NOT_FOUND: Agent not found.")


def test_invalid_transition_is_a_conflict(agentidp: Cli, acme: dict[str, Any]) -> None:
    """Suspending a suspended agent conflicts with its state; exit 4."""
    agentidp("agents", "suspend", "-o", "acme", acme["clientId"])

    result = agentidp("agents", "suspend", "-o", "acme", acme["clientId"])

    _assert_clean_failure(result, 4, "INVALID_STATUS_TRANSITION:")


def test_missing_secret_is_a_usage_error(agentidp: Cli, acme: dict[str, Any]) -> None:
    """Without stdin or the variable, ``token issue`` explains both ways; exit 2."""
    result = agentidp("token", "issue", "--client-id", acme["clientId"])

    assert result.exit_code == 2
    assert "--client-secret-stdin" in result.stderr
    assert "AGENTIDP_CLIENT_SECRET" in result.stderr


def test_secret_cannot_be_passed_as_an_argument(agentidp: Cli, acme: dict[str, Any]) -> None:
    """There is no ``--client-secret`` option: arguments leak into ps and shell history."""
    result = agentidp(
        "token", "issue", "--client-id", acme["clientId"], "--client-secret", acme["clientSecret"]
    )

    assert result.exit_code == 2
    assert "No such option" in result.stderr


def test_configuration_error_exits_2_with_a_clear_message(agentidp: Cli) -> None:
    """A malformed setting is reported by name before anything runs."""
    result = agentidp("agents", "list", "-o", "acme", env={"AGENTIDP_PUBLIC_URL": "ftp://x"})

    _assert_clean_failure(
        result, 2, "CONFIGURATION_ERROR: AGENTIDP_PUBLIC_URL must be an absolute http(s) URL."
    )


def test_debug_shows_the_traceback(agentidp: Cli) -> None:
    """``--debug`` adds the traceback and keeps the exit code."""
    result = agentidp("--debug", "agents", "list", "--organization", "nope")

    assert result.exit_code == 3
    assert "Traceback (most recent call last)" in result.stderr
    assert "ORG_NOT_FOUND" in result.stderr


def test_decommission_without_confirmation_aborts(agentidp: Cli, acme: dict[str, Any]) -> None:
    """Without ``--yes`` and without an answer, nothing is decommissioned."""
    aborted = agentidp("agents", "decommission", "-o", "acme", acme["clientId"], input="n\n")
    shown = agentidp.json("agents", "get", "-o", "acme", acme["clientId"])

    assert aborted.exit_code == 1
    assert shown["status"] == "active"


def test_audit_verify_exits_1_when_the_chain_is_broken(agentidp: Cli, acme: dict[str, Any]) -> None:
    """Tampering with a stored event makes ``audit verify`` report it and exit 1."""
    database = agentidp.data_dir / "agentidp.db"
    with sqlite3.connect(database) as db:
        # The schema forbids UPDATE on the log; an attacker with the file can drop that.
        db.execute("DROP TRIGGER audit_events_no_update")
        db.execute("UPDATE audit_events SET metadata = '{\"forged\": true}' WHERE seq = 2")
    db.close()

    result = agentidp("audit", "verify")
    report = agentidp("audit", "verify", "--json")

    assert result.exit_code == 1
    assert "BROKEN" in result.stdout
    assert report.exit_code == 1
    assert '"verified": false' in report.stdout


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ConfigurationError("x"), ExitCode.USAGE),
        (app.OrganizationNotFound(), ExitCode.NOT_FOUND),
        (app.AgentAlreadyExists(), ExitCode.CONFLICT),
        (app.InvalidClient(), ExitCode.UNAUTHENTICATED),
        (app.Unauthenticated(), ExitCode.UNAUTHENTICATED),
        (app.TenantMismatch(), ExitCode.FORBIDDEN),
        (app.InsufficientScope(), ExitCode.FORBIDDEN),
        (app.AgentNotPermitted(), ExitCode.FORBIDDEN),
        (app.RetentionWindowExceeded(), ExitCode.INVALID),
        (app.BackendUnavailable(), ExitCode.UNAVAILABLE),
        (app.RateLimitExceeded(retry_after=30), ExitCode.UNAVAILABLE),
        (domain.InvalidValue("email", "bad"), ExitCode.INVALID),
        (domain.ScopeNotGranted(frozenset({"a"}), frozenset()), ExitCode.FORBIDDEN),
        (domain.CredentialAlreadyRevoked("c"), ExitCode.CONFLICT),
        (RuntimeError("boom"), ExitCode.INTERNAL),
    ],
)
def test_exit_code_table(error: Exception, code: ExitCode) -> None:
    """Each error family maps to the exit code its HTTP status suggests."""
    assert exit_code_for(error) == code


def test_unexpected_errors_do_not_echo_their_text() -> None:
    """An untranslated exception's message (which may hold a secret) is never printed."""
    line = describe(RuntimeError("sk_live_" + "a" * 64))

    assert line.startswith("INTERNAL_ERROR:")
    assert "sk_live_" not in line


def test_a_readable_key_file_is_refused_with_a_fix(agentidp: Cli, acme: dict[str, Any]) -> None:
    """A signing-key file other users could read is a configuration error (exit 2)."""
    (agentidp.data_dir / "signing-keys.json").chmod(0o644)

    result = agentidp("agents", "list", "-o", "acme")

    _assert_clean_failure(result, 2, "KEY_STORE_ERROR:")
    assert "chmod 600" in result.stderr
