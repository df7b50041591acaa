"""Agents over HTTP: create, list, read, patch with If-Match, presence, deactivation."""

from collections.abc import Callable
from typing import Any

import httpx

PROBLEM = "https://rapport.dev/problems/"


def test_create_normalises_the_extension_and_starts_offline(client: httpx.Client, api: Any) -> None:
    agent = api.create_agent(extension="(415) 555-0123", skills={"ski": 5, "city-breaks": 2})
    assert (agent["extension"], agent["skills"], agent["presence"], agent["status"]) == (
        "+14155550123",
        {"ski": 5, "city-breaks": 2},
        "offline",
        "offline",
    )
    assert agent["version"] == 1 and agent["ready_since"] is None
    sip = api.create_agent(extension="sip:ada@pbx.example.com")
    assert sip["extension"] == "sip:ada@pbx.example.com"


def test_bad_agents_are_422(client: httpx.Client, admin: dict[str, str]) -> None:
    for body, field in [
        ({"name": "A", "extension": "12"}, "body.extension"),
        ({"name": "A", "extension": "+1415555012"}, "body.extension"),
        ({"name": "A", "extension": "sip:"}, "body.extension"),
        ({"name": "A", "extension": "+14155550123", "skills": {"ski": 6}}, "body.skills.ski"),
    ]:
        response = client.post("/v1/agents", json=body, headers=admin)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == field


def test_patch_honours_if_match(client: httpx.Client, api: Any, admin: dict[str, str]) -> None:
    agent = api.create_agent()
    path = f"/v1/agents/{agent['id']}"
    changed = client.patch(path, json={"skills": {"golf": 4}}, headers={**admin, "If-Match": '"1"'})
    assert changed.status_code == 200
    assert (changed.json()["skills"], changed.json()["version"], changed.headers["ETag"]) == (
        {"golf": 4},
        2,
        '"2"',
    )
    stale = client.patch(path, json={"name": "Bo"}, headers={**admin, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["type"] == PROBLEM + "precondition-failed"
    assert client.get(path, headers=admin).json()["name"] == "Ada"


def test_list_pages_every_agent_once(client: httpx.Client, api: Any, admin: dict[str, str]) -> None:
    ids = [api.create_agent(name=f"Agent {n}")["id"] for n in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/agents", params=params, headers=admin).json()
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids


def test_presence_sets_ready_since(client: httpx.Client, api: Any) -> None:
    agent = api.create_agent()
    ready = api.presence(agent["id"], "ready")
    assert (ready["presence"], ready["status"], ready["version"]) == ("ready", "ready", 2)
    assert ready["ready_since"] is not None
    away = api.presence(agent["id"], "away")
    assert (away["status"], away["version"]) == ("away", 3)


def test_deactivated_agents_leave_routing(
    client: httpx.Client, api: Any, admin: dict[str, str]
) -> None:
    agent = api.create_agent(ready=True)
    assert client.delete(f"/v1/agents/{agent['id']}", headers=admin).status_code == 204
    missing = client.get(f"/v1/agents/{agent['id']}", headers=admin)
    assert (missing.status_code, missing.json()["type"]) == (404, PROBLEM + "agent-not-found")
    answer = api.call("c-1", "ringing", **{"from": "+14155550199", "category": "ski"})
    assert answer["action"] == "queue"


def test_an_agent_on_a_call_cannot_be_deactivated(
    client: httpx.Client, api: Any, admin: dict[str, str]
) -> None:
    agent = api.create_agent(ready=True)
    api.call("c-1", "ringing", **{"from": "+14155550199"})
    response = client.delete(f"/v1/agents/{agent['id']}", headers=admin)
    assert (response.status_code, response.json()["type"]) == (409, PROBLEM + "agent-on-call")


def test_roles(client: httpx.Client, as_role: Callable[..., dict[str, str]], api: Any) -> None:
    body = {"name": "A", "extension": "+14155550123"}
    assert client.post("/v1/agents", json=body).status_code == 401
    assert client.post("/v1/agents", json=body, headers=as_role("agent")).status_code == 403
    assert client.post("/v1/agents", json=body, headers=as_role("telephony")).status_code == 403
    agent, other = api.create_agent(), api.create_agent()
    presence = f"/v1/agents/{agent['id']}/presence"
    ready = {"status": "ready"}
    # An agent's key sets only its own agent's presence; a manager sets anyone's.
    unlinked = client.put(presence, json=ready, headers=as_role("agent"))
    assert (unlinked.status_code, unlinked.json()["type"]) == (403, PROBLEM + "forbidden")
    assert "not linked to an agent" in unlinked.json()["detail"]
    someone_else = as_role("agent", agent_id=other["id"])
    assert client.put(presence, json=ready, headers=someone_else).status_code == 403
    own = client.put(presence, json=ready, headers=as_role("agent", agent_id=agent["id"]))
    assert (own.status_code, own.json()["presence"]) == (200, "ready")
    manager = client.put(
        f"/v1/agents/{other['id']}/presence", json=ready, headers=as_role("manager")
    )
    assert manager.status_code == 200
    for role in ("telephony", "website", "erp", "partner"):
        assert client.get("/v1/agents", headers=as_role(role)).status_code == 403
    calls = {"call_id": "c-9", "event": "ringing"}
    assert client.post("/v1/calls", json=calls, headers=as_role("agent")).status_code == 403
    assert client.post("/v1/calls", json=calls).status_code == 401
    assert client.post("/v1/calls", json=calls, headers=as_role("telephony")).status_code == 200
    assigned = as_role("agent", agent_id=api.get_call("c-9")["agent_id"])
    assert client.get("/v1/calls/c-9", headers=assigned).status_code == 200
    assert client.get("/v1/calls/c-9", headers=as_role("website")).status_code == 403
    assert client.get("/v1/calls/c-9/screen-pop", headers=as_role("telephony")).status_code == 403
