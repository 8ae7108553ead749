"""``agentidp ci``: identities for CI jobs without stored secrets (GitHub Actions OIDC).

These commands are HTTP clients of a running AgentIdP; they never open the local store. In a
GitHub Actions job with ``permissions: id-token: write`` the runner provides
``ACTIONS_ID_TOKEN_REQUEST_URL`` and ``ACTIONS_ID_TOKEN_REQUEST_TOKEN``; the commands ask the
runner for an OIDC token with our audience, exchange it at ``POST /api/v1/oidc/token``
(docs/oidc-github.md) and hand the result to the workflow:

- ``::add-mask::<token>`` is printed before anything else, so the runner hides the token in
  every later log line;
- with ``GITHUB_OUTPUT`` set, outputs (``access-token``, ``expires-at``, ``agent-id``) are
  appended to that file and only a summary is printed; otherwise the token is printed alone.

Failures print what to fix (the trust policy, the ``id-token`` permission) and exit with the
codes of :mod:`..exit_codes`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from urllib.parse import quote

import click
import httpx

from agentidp import __version__

from ..exit_codes import ExitCode

REQUEST_URL: Final = "ACTIONS_ID_TOKEN_REQUEST_URL"
REQUEST_TOKEN: Final = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
USER_AGENT: Final = f"agentidp-ci/{__version__}"
TIMEOUT: Final = httpx.Timeout(30.0)
DOCS: Final = "docs/oidc-github.md (Trust policies)"
TRUST_POLICY_HELP: Final = """\
Register a trust policy that lets this repository act as the agent (an organization
administrator, once; to register agents, the agent must hold agents:write):

  curl -X POST {idp_url}/api/v1/oidc/trust-policies \\
    -H "Authorization: Bearer $ADMIN_TOKEN" -H "Content-Type: application/json" \\
    -d '{body}'

(the ids: gh api repos/{repository} --jq '.owner.id, .id'; omit "branch" to allow every
branch). See {docs}."""


class CiFailure(Exception):
    """A CI command failed: one explanatory message and an exit code of :class:`ExitCode`.
    Raised inside the commands and reported by :func:`_reported`."""

    def __init__(self, message: str, exit_code: ExitCode) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


@contextmanager
def _reported() -> Iterator[None]:
    """Turn a :class:`CiFailure` into its message on stderr (plus an ``::error::``
    annotation inside GitHub Actions) and its exit code; the commands' error boundary."""
    try:
        yield
    except CiFailure as failure:
        if os.environ.get("GITHUB_ACTIONS") == "true":
            click.echo(f"::error title=agentidp::{_annotation(failure.message)}")
        click.echo(f"Error: {failure.message}", err=True)
        raise click.exceptions.Exit(failure.exit_code) from None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """What the exchange returned."""

    access_token: str
    expires_at: datetime
    scope: str


idp_url_option = click.option(
    "--idp-url",
    envvar="AGENTIDP_URL",
    required=True,
    help="Base URL of the AgentIdP, e.g. https://idp.example.com [env: AGENTIDP_URL].",
)
audience_option = click.option(
    "--audience",
    envvar="AGENTIDP_OIDC_AUDIENCE",
    default=None,
    help="Audience of the GitHub OIDC token [env: AGENTIDP_OIDC_AUDIENCE; "
    "default: the IdP URL without a trailing slash].",
)


@click.group()
def ci() -> None:
    """Identities for CI jobs (GitHub Actions OIDC), without stored secrets."""


@ci.command("issue-token")
@idp_url_option
@click.option(
    "--agent-id",
    envvar="AGENTIDP_AGENT_ID",
    required=True,
    help="The agent to get a token for [env: AGENTIDP_AGENT_ID].",
)
@audience_option
@click.option("--scope", default=None, help="Space-delimited scopes to request (a subset).")
def issue_token(idp_url: str, agent_id: str, audience: str | None, scope: str | None) -> None:
    """Exchange this job's GitHub OIDC token for an access token of AGENT_ID.

    Outputs: access-token (masked), expires-at; printed or written to $GITHUB_OUTPUT.
    """
    base = idp_url.rstrip("/")
    with _reported():
        issued = exchange(base, _oidc_token(audience or base), agent_id=agent_id, scope=scope)
        _publish(issued.access_token, {"expires-at": _iso(issued.expires_at)})


@ci.command("register-agent")
@idp_url_option
@click.option(
    "--agent-name",
    envvar="AGENTIDP_AGENT_NAME",
    required=True,
    help="The new agent's name: an email address, unique in the deployment "
    "[env: AGENTIDP_AGENT_NAME].",
)
@click.option(
    "--agent-description",
    envvar="AGENTIDP_AGENT_DESCRIPTION",
    default="",
    help="Who owns the agent [env: AGENTIDP_AGENT_DESCRIPTION; default: its name].",
)
@click.option(
    "--registrar-agent-id",
    envvar="AGENTIDP_REGISTRAR_AGENT_ID",
    default=None,
    help="An agent (holding agents:write) this workflow acts as to register the new one "
    "[env: AGENTIDP_REGISTRAR_AGENT_ID; default: the repository's bootstrap trust policy, "
    "or the one agent its trust policies bind].",
)
@audience_option
def register_agent(
    idp_url: str,
    agent_name: str,
    agent_description: str,
    registrar_agent_id: str | None,
    audience: str | None,
) -> None:
    """Register a new agent from a CI job: exchange this job's OIDC token for a one-use
    bootstrap token (or a token of the registrar agent), then POST /api/v1/agents with it.

    Output: agent-id; printed or written to $GITHUB_OUTPUT.
    """
    base = idp_url.rstrip("/")
    with _reported():
        oidc_token = _oidc_token(audience or base)
        issued = exchange(base, oidc_token, agent_id=registrar_agent_id, scope="agents:write")
        _mask(issued.access_token)
        body = {
            "email": agent_name,
            "agentType": "custom",
            "version": "1.0.0",
            "capabilities": [],
            "owner": agent_description or agent_name,
            "deploymentEnv": "production",
        }
        response = _send("POST", f"{base}/api/v1/agents", json=body, bearer=issued.access_token)
        if response.status_code != httpx.codes.CREATED:
            raise _refusal(response, base, agent_id=registrar_agent_id, what="register the agent")
        agent_id = str(_json(response).get("agentId", ""))
        if not agent_id:
            raise CiFailure(
                "The IdP registered the agent but returned no agentId.", ExitCode.INTERNAL
            )
        _publish(None, {"agent-id": agent_id})


def exchange(base: str, oidc_token: str, *, agent_id: str | None, scope: str | None) -> IssuedToken:
    """``POST /api/v1/oidc/token``: the GitHub OIDC token for an access token of ``agent_id``
    (``None``: the one agent this workflow's trust policies bind).

    Raises:
        CiFailure: the IdP refused or could not be reached (the message says what to do).
    """
    body: dict[str, Any] = {"provider": "github", "token": oidc_token}
    if agent_id is not None:
        body["agentId"] = agent_id
    if scope is not None:
        body["scope"] = scope
    response = _send("POST", f"{base}/api/v1/oidc/token", json=body)
    if response.status_code != httpx.codes.OK:
        raise _refusal(response, base, agent_id=agent_id, what="exchange")
    document = _json(response)
    token = document.get("access_token")
    expires_in = document.get("expires_in", 3600)
    if not isinstance(token, str) or not token or not isinstance(expires_in, int):
        raise CiFailure("The IdP answered without an access token.", ExitCode.INTERNAL)
    return IssuedToken(
        access_token=token,
        expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
        scope=str(document.get("scope", "")),
    )


def _oidc_token(audience: str) -> str:
    """This job's GitHub OIDC token for ``audience``, from the runner's token endpoint.

    Raises:
        CiFailure: not in a job with ``id-token: write``, or the runner refused.
    """
    url, request_token = os.environ.get(REQUEST_URL), os.environ.get(REQUEST_TOKEN)
    if not url or not request_token:
        raise CiFailure(
            f"{REQUEST_URL} and {REQUEST_TOKEN} are not set: this is not a GitHub Actions job "
            "allowed to request an OIDC token. Run it in a workflow job with\n\n"
            "  permissions:\n    id-token: write\n    contents: read\n",
            ExitCode.USAGE,
        )
    _mask(request_token)
    separator = "&" if "?" in url else "?"
    response = _send(
        "GET", f"{url}{separator}audience={quote(audience, safe='')}", bearer=request_token
    )
    value = _json(response).get("value") if response.status_code == httpx.codes.OK else None
    if not isinstance(value, str) or not value:
        raise CiFailure(
            f"The runner did not issue an OIDC token (HTTP {response.status_code}). Check that "
            "the job has 'permissions: id-token: write'.",
            ExitCode.UNAVAILABLE,
        )
    _mask(value)
    return value


def _send(
    method: str, url: str, *, json: Mapping[str, Any] | None = None, bearer: str | None = None
) -> httpx.Response:
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if bearer is not None:
        headers["Authorization"] = f"Bearer {bearer}"
    try:
        with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
            return client.request(method, url, json=json, headers=headers)
    except httpx.HTTPError as exc:
        raise CiFailure(
            f"Cannot reach {_origin(url)}: {type(exc).__name__}.", ExitCode.UNAVAILABLE
        ) from exc


def _refusal(response: httpx.Response, base: str, *, agent_id: str | None, what: str) -> CiFailure:
    """The failure for a non-2xx answer of the IdP, with what to do about it."""
    document = _json(response)
    code = document.get("code") or document.get("error") or f"HTTP {response.status_code}"
    detail = document.get("message") or document.get("error_description") or response.text
    message = f"The IdP refused to {what}: {code}: {str(detail)[:500]}"
    status = response.status_code
    if status == httpx.codes.FORBIDDEN and what == "exchange":
        return CiFailure(f"{message}\n\n{_trust_policy_help(base, agent_id)}", ExitCode.FORBIDDEN)
    if status == httpx.codes.UNAUTHORIZED:
        return CiFailure(
            f"{message}\nThe OIDC token was refused: check that the IdP trusts this issuer and "
            f"audience (--audience must equal the IdP's AGENTIDP_GITHUB_OIDC_AUDIENCE).",
            ExitCode.UNAUTHENTICATED,
        )
    if status == httpx.codes.FORBIDDEN:
        return CiFailure(message, ExitCode.FORBIDDEN)
    if status in (httpx.codes.NOT_FOUND, httpx.codes.CONFLICT):
        return CiFailure(message, ExitCode.NOT_FOUND if status == 404 else ExitCode.CONFLICT)
    return CiFailure(message, ExitCode.UNAVAILABLE if status >= 500 else ExitCode.INVALID)


def _trust_policy_help(base: str, agent_id: str | None) -> str:
    """The trust-policy set-up instructions, filled in with this job's repository and
    ``agent_id`` (none: a bootstrap policy, which registers one agent)."""
    repository = os.environ.get("GITHUB_REPOSITORY", "OWNER/REPO")
    body = {
        "provider": "github",
        "repository": repository,
        "repositoryOwnerId": os.environ.get("GITHUB_REPOSITORY_OWNER_ID", "<owner id>"),
        "repositoryId": os.environ.get("GITHUB_REPOSITORY_ID", "<repository id>"),
        **({"agentId": agent_id} if agent_id else {}),  # none: a bootstrap policy
        "branch": os.environ.get("GITHUB_REF", "refs/heads/main").removeprefix("refs/heads/"),
    }
    return TRUST_POLICY_HELP.format(
        idp_url=base,
        body=json.dumps(body),
        repository=repository,
        docs=DOCS,
    )


def _publish(secret: str | None, outputs: Mapping[str, str]) -> None:
    """Hand the results to the workflow: to ``$GITHUB_OUTPUT`` when set (``secret`` as
    ``access-token``, masked first), else on stdout (the secret alone, or the outputs)."""
    if secret is not None:
        _mask(secret)
    path = os.environ.get("GITHUB_OUTPUT")
    values = {**({"access-token": secret} if secret is not None else {}), **outputs}
    if any("\n" in value or "\r" in value for value in values.values()):
        # SECURITY: a newline would let a value inject further outputs.
        raise CiFailure("Refusing to write an output value with a line break.", ExitCode.INTERNAL)
    if path:
        with open(path, "a", encoding="utf-8") as file:
            file.writelines(f"{name}={value}\n" for name, value in values.items())
        shown = ", ".join(f"{name}={value}" for name, value in outputs.items())
        click.echo(f"Wrote {', '.join(values)} to GITHUB_OUTPUT ({shown}).")
    elif secret is not None:
        click.echo(secret)
    else:
        for name, value in outputs.items():
            click.echo(f"{name}={value}")


def _mask(value: str) -> None:
    """Ask the runner to hide ``value`` in every later log line (no-op outside Actions)."""
    if os.environ.get("GITHUB_ACTIONS") == "true" or os.environ.get("GITHUB_OUTPUT"):
        click.echo(f"::add-mask::{value}")


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: never the query, which may carry a secret."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0].split('?', 1)[0]}"


def _annotation(message: str) -> str:
    """``message`` escaped for a workflow command (``%``, CR and LF)."""
    return message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
