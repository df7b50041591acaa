"""Row-level access on the other contact-keyed routes: updates, interactions, consents, duplicates,
merges and tasks answer 404 (never 403) outside the caller's rows and change nothing."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from .conftest import A1, A2, B1

PROBLEM = "https://rapport.dev/problems/"
Count = Callable[[str], int]


@pytest.fixture
def agent(as_role: Callable[..., dict[str, str]]) -> dict[str, str]:
    return as_role("agent", agent_id=A1)


def assert_not_found(response: httpx.Response, kind: str = "contact-not-found") -> None:
    assert response.status_code == 404, response.text
    assert response.json()["type"] == PROBLEM + kind


def test_writes_to_a_contact_outside_the_rows_are_404_and_change_nothing(
    client: httpx.Client,
    world: dict[str, str],
    agent: dict[str, str],
    admin: dict[str, str],
    count: Count,
) -> None:
    other = world["other"]
    outbox_before = count("outbox")
    responses = [
        client.patch(f"/v1/contacts/{other}", json={"first_name": "X"}, headers=agent),
        client.post(
            f"/v1/contacts/{other}/interactions",
            json={"channel": "note", "direction": "inbound"},
            headers=agent,
        ),
        client.put(
            f"/v1/contacts/{other}/consents/sms",
            json={"granted": True, "source": "phone"},
            headers=agent,
        ),
        client.get(f"/v1/contacts/{other}/consents", headers=agent),
        client.get(f"/v1/contacts/{other}/duplicates", headers=agent),
        client.post(
            f"/v1/contacts/{other}/merge", json={"duplicate_id": world["own"]}, headers=agent
        ),
    ]
    for response in responses:
        assert_not_found(response)
    assert count("outbox") == outbox_before
    assert count("interactions") == len(world)
    assert count("consents") == 0
    unchanged = client.get(f"/v1/contacts/{other}", headers=admin).json()
    assert (unchanged["first_name"], unchanged["version"]) == ("other", 1)

    own = world["own"]
    assert (
        client.patch(f"/v1/contacts/{own}", json={"last_name": "Y"}, headers=agent).json()[
            "version"
        ]
        == 2
    )
    assert client.get(f"/v1/contacts/{own}/consents", headers=agent).status_code == 200


def test_duplicates_are_found_among_the_callers_rows_only(
    client: httpx.Client, teams: None, api: Any, as_role: Callable[..., dict[str, str]]
) -> None:
    email = [{"address": "ada@example.com"}]
    mine = api.create_contact(owner_id=A1, emails=email)
    assigned = api.create_contact(owner_id=B1, assignee_ids=[A1], emails=email)
    api.create_contact(owner_id=B1, emails=email)
    api.create_contact(owner_id=A2, emails=email)
    found = client.get(
        f"/v1/contacts/{mine['id']}/duplicates", headers=as_role("agent", agent_id=A1)
    )
    assert found.status_code == 200
    assert [c["contact"]["id"] for c in found.json()] == [assigned["id"]]
    everyone = client.get(f"/v1/contacts/{mine['id']}/duplicates", headers=as_role("admin"))
    assert len(everyone.json()) == 3


def test_a_merge_needs_both_contacts_in_the_rows_and_keeps_who_sees_them(
    client: httpx.Client,
    world: dict[str, str],
    agent: dict[str, str],
    as_role: Callable[..., dict[str, str]],
) -> None:
    own, assigned, other = world["own"], world["assigned"], world["other"]
    refused = client.post(f"/v1/contacts/{own}/merge", json={"duplicate_id": other}, headers=agent)
    assert refused.status_code == 422
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [
        ("body.duplicate_id", "unknown_contact")
    ]

    merged = client.post(
        f"/v1/contacts/{own}/merge", json={"duplicate_id": assigned}, headers=agent
    )
    assert merged.status_code == 200, merged.text
    # The duplicate's owner becomes an assignee (the survivor's owner, A1, is not repeated).
    assert (merged.json()["owner_id"], merged.json()["assignee_ids"]) == (A1, [B1])
    b1 = as_role("agent", agent_id=B1)
    assert client.get(f"/v1/contacts/{own}", headers=b1).status_code == 200
    # The duplicate answers 410 to those who saw it, 404 to the others.
    gone = client.get(f"/v1/contacts/{assigned}", headers=b1)
    assert gone.status_code == 410
    assert gone.json()["survivor_id"] == own
    assert client.get(f"/v1/contacts/{assigned}", headers=agent).status_code == 410
    assert_not_found(client.get(f"/v1/contacts/{assigned}", headers=as_role("agent", agent_id=A2)))


def test_tasks_follow_their_contacts_and_stay_visible_to_their_assignee(
    client: httpx.Client,
    world: dict[str, str],
    api: Any,
    agent: dict[str, str],
    as_role: Callable[..., dict[str, str]],
) -> None:
    own, other = world["own"], world["other"]
    on_own = api.create_task(title="own", contact_id=own, due_at="2030-01-01T09:00:00Z")
    mine_on_other = api.create_task(
        title="mine on other", contact_id=other, assignee_id=A1, due_at="2030-01-02T09:00:00Z"
    )
    theirs = api.create_task(
        title="theirs", contact_id=other, assignee_id=B1, due_at="2030-01-03T09:00:00Z"
    )
    loose = api.create_task(title="no contact", assignee_id=B1)

    def titles(headers: dict[str, str], **params: str) -> list[str]:
        response = client.get("/v1/tasks", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [t["title"] for t in response.json()["items"]]

    assert titles(agent) == ["own", "mine on other", "no contact"]
    assert titles(agent, contact_id=other) == ["mine on other"]
    assert titles(agent, contact_id=own) == ["own"]
    assert titles(as_role("agent")) == ["no contact"]
    assert titles(as_role("manager", team="south")) == [
        "mine on other",
        "theirs",
        "no contact",
    ]
    assert titles(as_role("admin")) == ["own", "mine on other", "theirs", "no contact"]

    for task in (on_own, mine_on_other, loose):
        assert client.get(f"/v1/tasks/{task['id']}", headers=agent).status_code == 200
    assert_not_found(client.get(f"/v1/tasks/{theirs['id']}", headers=agent), "task-not-found")
    patched = client.patch(f"/v1/tasks/{theirs['id']}", json={"status": "done"}, headers=agent)
    assert_not_found(patched, "task-not-found")
    assert client.get(f"/v1/tasks/{theirs['id']}", headers=as_role("admin")).json()["status"] == (
        "open"
    )
    done = client.patch(f"/v1/tasks/{mine_on_other['id']}", json={"status": "done"}, headers=agent)
    assert done.status_code == 200
    created = client.post("/v1/tasks", json={"title": "Call", "contact_id": other}, headers=agent)
    assert created.status_code == 422
    assert [(e["field"], e["code"]) for e in created.json()["errors"]] == [
        ("body.contact_id", "unknown_contact")
    ]
