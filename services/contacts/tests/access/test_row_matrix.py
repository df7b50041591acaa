"""Row-level access, scoped mode: every caller against every kind of contact (own, assigned, of the team,
of others) on get, list, caller-ID lookup and timeline, with the exact ids each caller sees."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from .conftest import A1, A2, MANAGER_AGENT, NAMES, SHARED_PHONE

PROBLEM = "https://rapport.dev/problems/"
ALL = NAMES

# caller: (roles, agent id, team), the names of the contacts it sees.
CALLERS: dict[str, tuple[tuple[tuple[str, ...], str | None, str | None], tuple[str, ...]]] = {
    "admin": ((("admin",), None, None), ALL),
    "partner": ((("partner",), None, None), ALL),
    "agent A1": ((("agent",), A1, None), ("own", "assigned")),
    "agent A2": ((("agent",), A2, None), ("team", "team_assigned")),
    # An agent's team widens nothing: only managers see their team's contacts.
    "agent A1 with a team": ((("agent",), A1, "north"), ("own", "assigned")),
    "agent without agent id": ((("agent",), None, None), ()),
    "manager of north with an agent id": (
        (("manager",), MANAGER_AGENT, "north"),
        ("own", "assigned", "team", "team_assigned", "manager_own"),
    ),
    "manager of south": ((("manager",), None, "south"), ("assigned", "other")),
    "manager with only an agent id": ((("manager",), MANAGER_AGENT, None), ("manager_own",)),
    "manager without team or agent id": ((("manager",), None, None), ()),
    "agent A1 and manager of south": (
        (("agent", "manager"), A1, "south"),
        ("own", "assigned", "other"),
    ),
    "manager and admin": ((("manager", "admin"), None, None), ALL),
}


@pytest.fixture(params=list(CALLERS))
def caller(
    request: pytest.FixtureRequest, as_role: Callable[..., dict[str, str]]
) -> tuple[dict[str, str], tuple[str, ...]]:
    (roles, agent_id, team), sees = CALLERS[request.param]
    return as_role(*roles, agent_id=agent_id, team=team), sees


def assert_not_found(response: httpx.Response) -> None:
    assert response.status_code == 404, response.text
    assert response.json()["type"] == PROBLEM + "contact-not-found"


def test_each_caller_sees_exactly_its_rows(
    client: httpx.Client,
    world: dict[str, str],
    caller: tuple[dict[str, str], tuple[str, ...]],
) -> None:
    headers, sees = caller
    listed = client.get("/v1/contacts", headers=headers)
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["items"]] == [world[n] for n in sees]

    for index, name in enumerate(NAMES):
        contact_id = world[name]
        got = client.get(f"/v1/contacts/{contact_id}", headers=headers)
        looked_up = client.get(
            "/v1/contacts/lookup", params={"phone": f"+1415555010{index}"}, headers=headers
        )
        timeline = client.get(f"/v1/contacts/{contact_id}/interactions", headers=headers)
        if name in sees:
            assert got.status_code == 200, (name, got.text)
            assert got.json()["id"] == contact_id
            assert looked_up.status_code == 200, (name, looked_up.text)
            assert looked_up.json()["id"] == contact_id
            assert timeline.status_code == 200, (name, timeline.text)
            assert [i["subject"] for i in timeline.json()["items"]] == [f"About {name}"]
        else:
            assert_not_found(got)
            assert_not_found(looked_up)
            assert_not_found(timeline)


def test_a_shared_number_finds_the_oldest_contact_the_caller_sees(
    client: httpx.Client,
    world: dict[str, str],
    caller: tuple[dict[str, str], tuple[str, ...]],
) -> None:
    headers, sees = caller
    response = client.get("/v1/contacts/lookup", params={"phone": SHARED_PHONE}, headers=headers)
    wanted = [name for name in ("own", "other") if name in sees]
    if wanted:
        assert response.status_code == 200, response.text
        assert response.json()["id"] == world[wanted[0]]
    else:
        assert_not_found(response)


def test_pages_of_a_scoped_list_hold_each_visible_contact_once(
    client: httpx.Client, world: dict[str, str], as_role: Callable[..., dict[str, str]]
) -> None:
    headers = as_role("manager", agent_id=MANAGER_AGENT, team="north")
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/contacts", params=params, headers=headers).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    names = ("own", "assigned", "team", "team_assigned", "manager_own")
    assert seen == [world[n] for n in names]


def test_filters_and_search_apply_within_the_rows(
    client: httpx.Client, world: dict[str, str], as_role: Callable[..., dict[str, str]]
) -> None:
    agent = as_role("agent", agent_id=A1)
    manager = as_role("manager", agent_id=MANAGER_AGENT, team="north")

    def ids(headers: dict[str, str], **params: str) -> list[str]:
        response = client.get("/v1/contacts", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert ids(agent, owner_id=A1) == [world["own"]]
    assert ids(agent, owner_id=A2) == []
    assert ids(manager, owner_id=A2) == [world["team"]]
    # "own" and "manager_own" match the text; the agent sees only the first.
    assert ids(agent, q="own") == [world["own"]]
    assert ids(manager, q="own") == [world["own"], world["manager_own"]]
