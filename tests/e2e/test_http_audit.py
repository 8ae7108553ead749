"""The audit log over HTTP: /api/v1/audit, /api/v1/audit/{eventId}, /api/v1/audit/verify."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.testing import AsyncTestClient

from .support import Tenant, agent_body, assert_error, new_client

AUDIT = "/api/v1/audit"
EVENT_FIELDS = {
    "eventId", "organizationId", "agentId", "actorId", "action", "outcome", "ipAddress",
    "userAgent", "metadata", "timestamp", "previousHash", "hash",
}


def iso(moment: datetime) -> str:
    """``moment`` as ISO 8601 with a Z suffix."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def test_query_returns_the_organizations_events(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """GET /audit pages the caller's events newest first with every documented field."""
    response = await client.get(AUDIT, headers=org_a.headers)

    assert response.status_code == 200
    page = response.json()
    assert set(page) == {"data", "total", "page", "limit"}
    assert page["total"] >= 3  # organization, admin agent, credential, token issuance
    assert all(set(event) == EVENT_FIELDS for event in page["data"])
    assert {e["organizationId"] for e in page["data"]} == {org_a.organization_id}
    stamps = [e["timestamp"] for e in page["data"]]
    assert stamps == sorted(stamps, reverse=True)


async def test_query_filters_by_action_agent_and_outcome(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """action, agentId and outcome narrow the results."""
    created = await client.post("/api/v1/agents", json=agent_body(), headers=org_a.headers)
    agent_id = created.json()["agentId"]

    by_action = await client.get(
        AUDIT, params={"action": "agent.created", "agentId": agent_id}, headers=org_a.headers
    )
    failures = await client.get(AUDIT, params={"outcome": "failure"}, headers=org_a.headers)

    events = by_action.json()["data"]
    assert [(e["action"], e["agentId"]) for e in events] == [("agent.created", agent_id)]
    assert events[0]["actorId"] == org_a.client_id
    assert failures.json()["total"] == 0


async def test_failed_authentication_is_audited(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """A wrong secret for a known client shows up as auth.failed with outcome failure."""
    await client.post(
        "/api/v1/token",
        data={"grant_type": "client_credentials", "client_id": org_a.client_id,
              "client_secret": "sk_live_" + "1" * 64},
    )

    response = await client.get(AUDIT, params={"outcome": "failure"}, headers=org_a.headers)

    assert [e["action"] for e in response.json()["data"]] == ["auth.failed"]
    assert "sk_live_" not in response.text


async def test_query_paginates(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """page and limit slice the results without overlap."""
    first = await client.get(AUDIT, params={"limit": 2, "page": 1}, headers=org_a.headers)
    second = await client.get(AUDIT, params={"limit": 2, "page": 2}, headers=org_a.headers)

    ids = [e["eventId"] for e in first.json()["data"] + second.json()["data"]]
    assert len(ids) == len(set(ids)) == 4
    assert first.json()["limit"] == 2


async def test_query_with_a_date_range(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """fromDate/toDate inside the retention window are accepted (date-only means UTC midnight)."""
    now = datetime.now(UTC)

    inside = await client.get(
        AUDIT, params={"fromDate": iso(now - timedelta(hours=1)),
                       "toDate": iso(now + timedelta(hours=1))},
        headers=org_a.headers,
    )
    future = await client.get(
        AUDIT, params={"fromDate": (now + timedelta(days=2)).date().isoformat()},
        headers=org_a.headers,
    )

    assert inside.status_code == 200
    assert inside.json()["total"] >= 3
    assert future.status_code == 200
    assert future.json()["total"] == 0


async def test_query_before_the_retention_window_is_400(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """A fromDate older than 90 days is 400 RETENTION_WINDOW_EXCEEDED."""
    old = iso(datetime.now(UTC) - timedelta(days=100))

    response = await client.get(AUDIT, params={"fromDate": old}, headers=org_a.headers)

    assert_error(response, 400, "RETENTION_WINDOW_EXCEEDED")


async def test_inverted_or_malformed_dates_are_400(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """fromDate after toDate, or a non-ISO date, is 400 VALIDATION_ERROR naming the field."""
    now = datetime.now(UTC)
    inverted = await client.get(
        AUDIT, params={"fromDate": iso(now), "toDate": iso(now - timedelta(days=1))},
        headers=org_a.headers,
    )
    malformed = await client.get(AUDIT, params={"toDate": "yesterday"}, headers=org_a.headers)

    assert assert_error(inverted, 400, "VALIDATION_ERROR")["field"] == "fromDate"
    details = assert_error(malformed, 400, "VALIDATION_ERROR")
    assert details["field"] == "toDate"
    assert details["reason"]


async def test_get_one_event(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """GET /audit/{eventId} returns the event as listed."""
    listed = (await client.get(AUDIT, headers=org_a.headers)).json()["data"][0]

    response = await client.get(f"{AUDIT}/{listed['eventId']}", headers=org_a.headers)

    assert response.status_code == 200
    assert response.json() == listed


async def test_unknown_and_foreign_events_are_404(
    client: AsyncTestClient[Any], org_a: Tenant, org_b: Tenant
) -> None:
    """Another organization's event and an unknown id are both 404 AUDIT_EVENT_NOT_FOUND."""
    b_event = (await client.get(AUDIT, headers=org_b.headers)).json()["data"][0]

    foreign = await client.get(f"{AUDIT}/{b_event['eventId']}", headers=org_a.headers)
    unknown = await client.get(f"{AUDIT}/not-an-id", headers=org_a.headers)

    assert_error(foreign, 404, "AUDIT_EVENT_NOT_FOUND")
    assert_error(unknown, 404, "AUDIT_EVENT_NOT_FOUND")


async def test_verify_reports_an_intact_chain(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """GET /audit/verify answers 200 {verified, checkedCount, brokenAtEventId}."""
    response = await client.get(f"{AUDIT}/verify", headers=org_a.headers)

    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is True
    assert body["checkedCount"] >= 3
    assert body["brokenAtEventId"] is None
    assert "fromDate" not in body


async def test_verify_echoes_the_range(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """A verification over a date range echoes fromDate and toDate."""
    since = datetime.now(UTC) - timedelta(hours=1)
    until = datetime.now(UTC) + timedelta(hours=1)

    response = await client.get(
        f"{AUDIT}/verify", params={"fromDate": iso(since), "toDate": iso(until)},
        headers=org_a.headers,
    )

    body = response.json()
    assert body["verified"] is True
    assert datetime.fromisoformat(body["fromDate"]) == since
    assert datetime.fromisoformat(body["toDate"]) == until


async def test_audit_needs_audit_read(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """Without audit:read every audit endpoint is 403 INSUFFICIENT_SCOPE."""
    reader = await new_client(client, org_a)

    for path in (AUDIT, f"{AUDIT}/verify"):
        response = await client.get(path, headers=reader.headers)

        assert_error(response, 403, "INSUFFICIENT_SCOPE")


async def test_verify_against_the_current_head_passes_and_a_malformed_anchor_is_400(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """The headHash of one verification is a valid expectedHead for the next; an anchor that
    is not a SHA-256 hex digest is refused as bad input."""
    first = (await client.get(f"{AUDIT}/verify", headers=org_a.headers)).json()

    anchored = await client.get(
        f"{AUDIT}/verify", params={"expectedHead": first["headHash"]}, headers=org_a.headers
    )
    malformed = await client.get(
        f"{AUDIT}/verify", params={"expectedHead": "not-a-hash"}, headers=org_a.headers
    )

    assert len(first["headHash"]) == 64
    assert anchored.status_code == 200
    assert anchored.json()["verified"] is True
    assert_error(malformed, 400, "VALIDATION_ERROR")
