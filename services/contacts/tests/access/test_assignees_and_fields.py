"""Assignees (set by staff, shown to staff and partners) and the field-level rule: staff-only fields
are neither shown to nor writable by partners."""

import json
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import Engine, text

from .conftest import A1, A2

PROBLEM = "https://rapport.dev/problems/"
Count = Callable[[str], int]


def field_errors(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    assert response.json()["type"] == PROBLEM + "validation-error"
    return [(e["field"], e["code"]) for e in response.json()["errors"]]


def updated_events(engine: Engine) -> list[dict[str, Any]]:
    """The data of the outbox's contact.updated events, in order."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT envelope FROM outbox WHERE event_type = :t ORDER BY seq"),
            {"t": "contacts.contact.updated.v1"},
        ).all()
    return [dict(json.loads(row[0])["data"]) for row in rows]


def test_staff_set_assignees_on_create_and_update(
    client: httpx.Client, admin: dict[str, str], count: Count, engine: Engine
) -> None:
    created = client.post(
        "/v1/contacts",
        json={"kind": "person", "first_name": "Ada", "assignee_ids": [A2, A1, A2]},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    contact = created.json()
    assert contact["assignee_ids"] == [A2, A1]
    assert count("contact_assignees") == 2
    path = f"/v1/contacts/{contact['id']}"
    assert client.get(path, headers=admin).json()["assignee_ids"] == [A2, A1]

    outbox = count("outbox")
    updated = client.patch(path, json={"assignee_ids": [A1]}, headers=admin)
    assert updated.status_code == 200
    assert (updated.json()["assignee_ids"], updated.json()["version"]) == ([A1], 2)
    assert updated.headers["ETag"] == '"2"'
    # Other services scope their records by assignees too: a change of them is published.
    assert count("outbox") == outbox + 1
    [event] = updated_events(engine)
    assert (event["changed_fields"], event["contact"]["assignee_ids"]) == (["assignee_ids"], [A1])
    same = client.patch(path, json={"assignee_ids": [A1]}, headers=admin)
    assert same.json()["version"] == 2
    cleared = client.patch(path, json={"assignee_ids": []}, headers=admin)
    assert (cleared.json()["assignee_ids"], cleared.json()["version"]) == ([], 3)
    assert count("contact_assignees") == 0
    untouched = client.patch(path, json={"first_name": "Ada B."}, headers=admin)
    assert untouched.json()["assignee_ids"] == []
    assert count("outbox") == outbox + 3
    assert [e["contact"]["assignee_ids"] for e in updated_events(engine)] == [[A1], [], []]


def test_bad_assignees_are_422(client: httpx.Client, admin: dict[str, str], api: Any) -> None:
    too_many = [f"agent-{i}" for i in range(21)]
    response = client.post(
        "/v1/contacts",
        json={"kind": "person", "first_name": "A", "assignee_ids": too_many},
        headers=admin,
    )
    assert field_errors(response) == [("body.assignee_ids", "too_long")]
    contact = api.create_contact()
    path = f"/v1/contacts/{contact['id']}"
    assert field_errors(client.patch(path, json={"assignee_ids": None}, headers=admin)) == [
        ("body.assignee_ids", "value_error")
    ]
    # Like tags, the optional list reports each branch of its type (the list's, then null's).
    blank = field_errors(client.patch(path, json={"assignee_ids": [" "]}, headers=admin))
    assert [code for _, code in blank] == ["string_too_short", "none_required"]
    not_a_list = field_errors(client.patch(path, json={"assignee_ids": "a1"}, headers=admin))
    assert [code for _, code in not_a_list] == ["list_type", "none_required"]
    assert all(f.startswith("body.assignee_ids.") for f, _ in blank + not_a_list)
    assert client.get(path, headers=admin).json()["version"] == 1


def test_partners_see_assignees_but_may_not_set_them(
    client: httpx.Client, api: Any, as_role: Callable[..., dict[str, str]], count: Count
) -> None:
    partner = as_role("partner")
    contact = api.create_contact(assignee_ids=[A1], rating=5, staff_comments="Loyal")
    seen = client.get(f"/v1/contacts/{contact['id']}", headers=partner).json()
    assert seen["assignee_ids"] == [A1]
    assert "rating" not in seen and "staff_comments" not in seen

    created = client.post(
        "/v1/contacts",
        json={"kind": "person", "first_name": "P", "assignee_ids": [A2]},
        headers=partner,
    )
    assert field_errors(created) == [("body.assignee_ids", "staff_only")]
    assert count("contacts") == 1
    patched = client.patch(
        f"/v1/contacts/{contact['id']}",
        json={"assignee_ids": [A2], "staff_comments": "x"},
        headers=partner,
    )
    assert field_errors(patched) == [
        ("body.assignee_ids", "staff_only"),
        ("body.staff_comments", "staff_only"),
    ]
    assert "only staff (admin, manager, agent) may set this field" in patched.json()["detail"]
    staff = client.get(f"/v1/contacts/{contact['id']}", headers=as_role("admin")).json()
    assert (staff["assignee_ids"], staff["staff_comments"], staff["version"]) == (
        [A1],
        "Loyal",
        1,
    )


def test_an_agent_sees_staff_fields_of_its_contacts(
    client: httpx.Client, api: Any, as_role: Callable[..., dict[str, str]]
) -> None:
    contact = api.create_contact(assignee_ids=[A1], rating=2, staff_comments="Slow payer")
    agent = as_role("agent", agent_id=A1)
    seen = client.get(f"/v1/contacts/{contact['id']}", headers=agent).json()
    assert (seen["rating"], seen["staff_comments"]) == (2, "Slow payer")
    listed = client.get("/v1/contacts", headers=agent).json()["items"]
    assert [(c["id"], c["rating"]) for c in listed] == [(contact["id"], 2)]
    changed = client.patch(
        f"/v1/contacts/{contact['id']}", json={"rating": 4, "assignee_ids": [A1, A2]}, headers=agent
    )
    assert changed.status_code == 200
    assert (changed.json()["rating"], changed.json()["assignee_ids"]) == (4, [A1, A2])
