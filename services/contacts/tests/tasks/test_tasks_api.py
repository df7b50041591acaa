"""Tasks and the calendar over HTTP."""

from collections.abc import Callable
from typing import Any

import httpx

PROBLEM = "https://rapport.dev/problems/"


def test_create_and_read_task(client: httpx.Client, admin: dict[str, str], api: Any) -> None:
    contact = api.create_contact()
    body = {
        "title": "Demo",
        "kind": "meeting",
        "contact_id": contact["id"],
        "assignee_id": "agent-7",
        "due_at": "2030-05-01T09:00:00+02:00",
        "ends_at": "2030-05-01T10:00:00+02:00",
    }
    response = client.post("/v1/tasks", json=body, headers=admin)
    assert response.status_code == 201
    task = response.json()
    assert response.headers["Location"] == f"/v1/tasks/{task['id']}"
    assert response.headers["ETag"] == '"1"'
    assert (task["title"], task["kind"], task["contact_id"], task["assignee_id"]) == (
        "Demo",
        "meeting",
        contact["id"],
        "agent-7",
    )
    assert (task["due_at"], task["ends_at"]) == ("2030-05-01T07:00:00Z", "2030-05-01T08:00:00Z")
    assert (task["status"], task["completed_at"], task["version"]) == ("open", None, 1)
    assert task["created_at"] == task["updated_at"]
    fetched = client.get(f"/v1/tasks/{task['id']}", headers=admin)
    assert fetched.status_code == 200
    assert fetched.json() == task
    assert fetched.headers["ETag"] == '"1"'


def test_task_rules_are_422(
    client: httpx.Client, admin: dict[str, str], api: Any, count: Callable[[str], int]
) -> None:
    cases: list[tuple[dict[str, Any], str, str]] = [
        (
            {"title": "x", "contact_id": "01900000-0000-7000-8000-000000000000"},
            "body.contact_id",
            "unknown_contact",
        ),
        (
            {"title": "x", "due_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-01T09:00:00Z"},
            "body.ends_at",
            "ends_before_start",
        ),
        ({"title": "x", "ends_at": "2030-01-01T09:00:00Z"}, "body.ends_at", "ends_without_start"),
        ({"title": "x", "kind": "party"}, "body.kind", "literal_error"),
        ({"title": ""}, "body.title", "string_too_short"),
        ({"title": "x", "due_at": "tomorrow"}, "body.due_at", "datetime_from_date_parsing"),
        ({"title": "x", "contact_id": "nope"}, "body.contact_id", "uuid_parsing"),
    ]
    for body, field, code in cases:
        response = client.post("/v1/tasks", json=body, headers=admin)
        assert response.status_code == 422, body
        assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    assert count("tasks") == 0
    assert count("outbox") == 0


def test_patch_task_and_complete_it(
    client: httpx.Client, admin: dict[str, str], api: Any, count: Callable[[str], int]
) -> None:
    task = api.create_task(due_at="2030-01-01T09:00:00Z")
    url = f"/v1/tasks/{task['id']}"
    response = client.patch(
        url,
        json={"title": "Call again", "assignee_id": "a-2"},
        headers={**admin, "If-Match": '"1"'},
    )
    assert response.status_code == 200
    assert (
        response.json()["title"],
        response.json()["assignee_id"],
        response.json()["version"],
    ) == ("Call again", "a-2", 2)
    assert response.headers["ETag"] == '"2"'
    stale = client.patch(url, json={"status": "done"}, headers={**admin, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert client.get(url, headers=admin).json()["status"] == "open"
    outbox = count("outbox")
    done = client.patch(url, json={"status": "done"}, headers=admin).json()
    assert done["status"] == "done"
    assert done["completed_at"] is not None
    assert count("outbox") == outbox + 1
    reopened = client.patch(url, json={"status": "open"}, headers=admin).json()
    assert (reopened["status"], reopened["completed_at"]) == ("open", None)
    bad = client.patch(url, json={"ends_at": "2029-01-01T00:00:00Z"}, headers=admin)
    assert bad.status_code == 422
    assert [e["code"] for e in bad.json()["errors"]] == ["ends_before_start"]
    for body in ({"status": "maybe"}, {"title": None}, {"kind": "call"}):
        assert client.patch(url, json=body, headers=admin).status_code == 422


def test_unknown_task_is_404(client: httpx.Client, admin: dict[str, str]) -> None:
    url = "/v1/tasks/01900000-0000-7000-8000-000000000000"
    for response in (
        client.get(url, headers=admin),
        client.patch(url, json={"title": "x"}, headers=admin),
    ):
        assert response.status_code == 404
        assert response.json()["type"] == PROBLEM + "task-not-found"


def test_list_orders_by_due_date_with_undated_tasks_last(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    undated = api.create_task(title="someday")
    late = api.create_task(title="late", due_at="2030-03-01T00:00:00Z")
    early = api.create_task(title="early", due_at="2030-01-01T00:00:00Z")
    also_late = api.create_task(title="also late", due_at="2030-03-01T00:00:00Z")
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/tasks", params=params, headers=admin).json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [early["id"], late["id"], also_late["id"], undated["id"]]


def test_list_filters(client: httpx.Client, admin: dict[str, str], api: Any) -> None:
    contact = api.create_contact()
    mine = api.create_task(
        assignee_id="me", contact_id=contact["id"], due_at="2030-01-10T00:00:00Z"
    )
    theirs = api.create_task(assignee_id="them", due_at="2030-01-20T00:00:00Z")
    api.create_task(assignee_id="me")
    done = api.create_task(assignee_id="me", due_at="2030-01-15T00:00:00Z")
    client.patch(f"/v1/tasks/{done['id']}", json={"status": "done"}, headers=admin)

    def ids(**params: str) -> list[str]:
        response = client.get("/v1/tasks", params=params, headers=admin)
        assert response.status_code == 200, response.text
        return [t["id"] for t in response.json()["items"]]

    assert ids(contact_id=contact["id"]) == [mine["id"]]
    assert ids(**{"from": "2030-01-12T00:00:00Z", "to": "2030-02-01T00:00:00Z"}) == [
        done["id"],
        theirs["id"],
    ]
    assert ids(**{"from": "2030-01-10T00:00:00Z", "to": "2030-01-15T00:00:00Z"}) == [mine["id"]]
    assert ids(assignee_id="me", status="open", **{"from": "2000-01-01T00:00:00Z"}) == [mine["id"]]
    assert ids(status="done") == [done["id"]]
    for params in (
        {"from": "2030-01-01T00:00:00"},
        {"to": "soon"},
        {"status": "late"},
        {"contact_id": "x"},
    ):
        assert client.get("/v1/tasks", params=params, headers=admin).status_code == 422


def test_idempotent_task_creation(
    client: httpx.Client, admin: dict[str, str], count: Callable[[str], int]
) -> None:
    headers = {**admin, "Idempotency-Key": "task-1"}
    first = client.post("/v1/tasks", json={"title": "A"}, headers=headers)
    again = client.post("/v1/tasks", json={"title": "A"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert count("tasks") == 1
    assert client.post("/v1/tasks", json={"title": "B"}, headers=headers).status_code == 422


def test_forged_cursors_are_422(client: httpx.Client, admin: dict[str, str]) -> None:
    import base64
    import json

    forged = [
        ["2030-01-01T00:00:00", "01900000-0000-7000-8000-000000000000"],
        ["0001-01-01T00:00:00+01:00", "01900000-0000-7000-8000-000000000000"],
        [None, None],
        [True, "x"],
        [1, 2],
    ]
    for values in forged:
        cursor = base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")
        response = client.get("/v1/tasks", params={"cursor": cursor}, headers=admin)
        assert response.status_code == 422, values
        assert [e["field"] for e in response.json()["errors"]] == ["query.cursor"]
