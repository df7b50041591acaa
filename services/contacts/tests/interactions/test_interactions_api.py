"""The interaction timeline over HTTP."""

from collections.abc import Callable
from typing import Any

import httpx

PROBLEM = "https://rapport.dev/problems/"


def test_log_interaction(client: httpx.Client, admin: dict[str, str], api: Any) -> None:
    contact = api.create_contact()
    body = {
        "channel": "call",
        "direction": "outbound",
        "occurred_at": "2025-03-01T10:00:00+01:00",
        "subject": "Renewal",
        "body": "Talked about the renewal.",
        "agent_id": "agent-7",
        "duration_seconds": 95,
        "metadata": {"call_id": "c-1", "tags": ["x"]},
    }
    response = client.post(f"/v1/contacts/{contact['id']}/interactions", json=body, headers=admin)
    assert response.status_code == 201
    logged = response.json()
    assert logged["contact_id"] == contact["id"]
    assert logged["occurred_at"] == "2025-03-01T09:00:00Z"
    for key in (
        "channel",
        "direction",
        "subject",
        "body",
        "agent_id",
        "duration_seconds",
        "metadata",
    ):
        assert logged[key] == body[key]


def test_occurred_at_defaults_to_now(client: httpx.Client, admin: dict[str, str], api: Any) -> None:
    contact = api.create_contact()
    logged = api.log_interaction(contact["id"], channel="note", direction="inbound")
    assert logged["occurred_at"] <= logged["created_at"]
    assert logged["occurred_at"][:10] == logged["created_at"][:10]


def test_timeline_is_newest_first_and_paginated(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    contact = api.create_contact()
    other = api.create_contact(first_name="Other")
    api.log_interaction(other["id"], occurred_at="2025-01-05T00:00:00Z")
    times = [
        "2025-01-02T00:00:00Z",
        "2025-01-04T00:00:00Z",
        "2025-01-01T00:00:00Z",
        "2025-01-04T00:00:00Z",
    ]
    ids = [api.log_interaction(contact["id"], occurred_at=t)["id"] for t in times]
    expected = [ids[3], ids[1], ids[0], ids[2]]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        response = client.get(
            f"/v1/contacts/{contact['id']}/interactions", params=params, headers=admin
        )
        assert response.status_code == 200
        seen += [i["id"] for i in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == expected


def test_bad_interactions_are_422_and_write_nothing(
    client: httpx.Client, admin: dict[str, str], api: Any, count: Callable[[str], int]
) -> None:
    contact = api.create_contact()
    url = f"/v1/contacts/{contact['id']}/interactions"
    outbox = count("outbox")
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"channel": "fax", "direction": "inbound"}, "body.channel", "literal_error"),
        ({"channel": "call", "direction": "sideways"}, "body.direction", "literal_error"),
        (
            {"channel": "call", "direction": "inbound", "duration_seconds": -1},
            "body.duration_seconds",
            "greater_than_equal",
        ),
        (
            {"channel": "call", "direction": "inbound", "occurred_at": "2025-01-01T10:00:00"},
            "body.occurred_at",
            "timezone_aware",
        ),
        (
            {"channel": "call", "direction": "inbound", "occurred_at": "0001-01-01T00:00:00+01:00"},
            "body.occurred_at",
            "value_error",
        ),
        (
            {"channel": "call", "direction": "inbound", "metadata": "x"},
            "body.metadata",
            "dict_type",
        ),
        ({"channel": "call", "direction": "inbound", "extra": 1}, "body.extra", "extra_forbidden"),
        ({"direction": "inbound"}, "body.channel", "missing"),
    ]
    for body, field, code in cases:
        response = client.post(url, json=body, headers=admin)
        assert response.status_code == 422, body
        assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    assert count("interactions") == 0
    assert count("outbox") == outbox


def test_unknown_contact_is_404(client: httpx.Client, admin: dict[str, str]) -> None:
    url = "/v1/contacts/01900000-0000-7000-8000-000000000000/interactions"
    for response in (
        client.get(url, headers=admin),
        client.post(url, json={"channel": "note", "direction": "inbound"}, headers=admin),
    ):
        assert response.status_code == 404
        assert response.json()["type"] == PROBLEM + "contact-not-found"


def test_idempotent_logging(
    client: httpx.Client, admin: dict[str, str], api: Any, count: Callable[[str], int]
) -> None:
    contact = api.create_contact()
    url = f"/v1/contacts/{contact['id']}/interactions"
    headers = {**admin, "Idempotency-Key": "call-1"}
    body = {"channel": "call", "direction": "inbound", "occurred_at": "2025-01-01T00:00:00Z"}
    first = client.post(url, json=body, headers=headers)
    again = client.post(url, json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert count("interactions") == 1
    reused = client.post(url, json={**body, "channel": "chat"}, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["type"] == PROBLEM + "idempotency-key-reused"
