"""The ACD over HTTP: ringing answers, the queue, wrap-up, events out of order."""

import time
from typing import Any

import httpx

PROBLEM = "https://rapport.dev/problems/"
CALLER = "+14155550199"


def wait_for(check: Any, timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_ringing_connects_the_best_expert(client: httpx.Client, api: Any) -> None:
    api.create_agent(ready=True, name="Novice", skills={"ski": 1})
    expert = api.create_agent(ready=True, name="Expert", extension="sip:exp@pbx", skills={"ski": 5})
    answer = api.call("c-1", "ringing", **{"from": CALLER, "category": "ski"})
    assert answer == {
        "call_id": "c-1",
        "status": "assigned",
        "action": "connect",
        "agent_id": expert["id"],
        "extension": "sip:exp@pbx",
        "screen_pop_url": "/v1/calls/c-1/screen-pop",
        "position": None,
        "expected_wait_seconds": None,
    }
    assert api.get_agent(expert["id"])["status"] == "busy"
    call = api.get_call("c-1")
    assert (call["status"], call["agent_id"], call["from_number"]) == (
        "assigned",
        expert["id"],
        CALLER,
    )


def test_the_dialled_number_gives_the_category(client: httpx.Client, api: Any) -> None:
    api.create_agent(ready=True, name="Golf", skills={"golf": 5})
    ski = api.create_agent(ready=True, name="Ski", skills={"ski": 2})
    answer = api.call("c-1", "ringing", **{"from": "anonymous", "to": "+1 415 555 0100"})
    assert answer["agent_id"] == ski["id"]
    assert api.get_call("c-1")["category"] == "ski"


def test_queue_then_assigned_when_an_agent_becomes_ready(client: httpx.Client, api: Any) -> None:
    agent = api.create_agent(skills={"ski": 2})
    first = api.call("c-1", "ringing", **{"from": CALLER, "category": "ski"})
    second = api.call("c-2", "ringing", **{"category": "ski"})
    assert (first["action"], first["position"], second["position"]) == ("queue", 1, 2)
    ready = api.presence(agent["id"], "ready")
    assert (ready["status"], ready["current_call_id"]) == ("busy", "c-1")
    assert api.get_call("c-1")["status"] == "assigned"
    assert api.get_call("c-2")["position"] == 1


def test_full_lifecycle_with_wrap_up(client: httpx.Client, api: Any) -> None:
    agent = api.create_agent(ready=True)
    api.call("c-1", "ringing", **{"from": CALLER})
    assert api.call("c-1", "answered")["status"] == "answered"
    queued = api.call("c-2", "ringing", **{"from": "+14155550198"})
    assert queued["action"] == "queue"
    assert api.call("c-1", "ended") == {
        "call_id": "c-1",
        "status": "ended",
        "action": "none",
        "agent_id": agent["id"],
        "position": None,
        "expected_wait_seconds": None,
        "extension": None,
        "screen_pop_url": None,
    }
    wrapping = api.get_agent(agent["id"])
    assert (wrapping["status"], wrapping["current_call_id"]) == ("busy", None)
    assert api.get_call("c-2")["status"] == "queued"
    assigned = wait_for(lambda: api.get_call("c-2")["status"] == "assigned")
    assert assigned is True
    assert api.get_call("c-2")["agent_id"] == agent["id"]


def test_the_last_agent_gets_the_caller_back(client: httpx.Client, api: Any) -> None:
    first = api.create_agent(ready=True, name="First", skills={})
    api.call("c-1", "ringing", **{"from": CALLER})
    api.call("c-1", "answered")
    api.call("c-1", "ended")
    other = api.create_agent(ready=True, name="Other", skills={})
    api.call("c-2", "ringing", **{"from": "+14155550198"})
    assert api.get_call("c-2")["agent_id"] == other["id"]
    wait_for(lambda: api.get_agent(first["id"])["status"] == "ready")
    api.call("c-2", "abandoned")
    assert api.call("c-3", "ringing", **{"from": CALLER})["agent_id"] == first["id"]


def test_events_out_of_order_are_precise(client: httpx.Client, api: Any) -> None:
    unknown = api.call("nope", "ended", status=404)
    assert unknown["type"] == PROBLEM + "call-not-found"
    api.call("c-1", "ringing", **{"from": CALLER})
    assert api.call("c-1", "ringing", status=409)["type"] == PROBLEM + "call-exists"
    early = api.call("c-1", "ended", status=409)
    assert (early["type"], early["call_status"]) == (PROBLEM + "call-event-out-of-order", "queued")
    assert api.call("c-1", "answered", status=409)["call_status"] == "queued"
    agent = api.create_agent(ready=True)
    api.call("c-1", "answered")
    assert api.call("c-1", "answered", status=409)["call_status"] == "answered"
    assert api.call("c-1", "abandoned", status=409)["call_status"] == "answered"
    api.call("c-1", "ended")
    assert api.call("c-1", "ended", status=409)["call_status"] == "ended"
    assert api.get_agent(agent["id"])["current_call_id"] is None


def test_bad_call_events_are_422(client: httpx.Client, admin: dict[str, str]) -> None:
    for body, field in [
        ({"call_id": "c-1", "event": "ringing", "from": "12ab"}, "body.from"),
        ({"call_id": "c-1", "event": "ringing", "to": "+999"}, "body.to"),
        ({"call_id": "c 1", "event": "ringing"}, "body.call_id"),
        ({"call_id": "c-1", "event": "hold"}, "body.event"),
    ]:
        response = client.post("/v1/calls", json=body, headers=admin)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == field
    assert client.get("/v1/calls/c-1", headers=admin).status_code == 404


def test_going_offline_with_an_unanswered_call_requeues_it(client: httpx.Client, api: Any) -> None:
    agent = api.create_agent(ready=True)
    api.call("c-1", "ringing", **{"from": CALLER})
    offline = api.presence(agent["id"], "offline")
    assert (offline["status"], offline["current_call_id"]) == ("offline", None)
    call = api.get_call("c-1")
    assert (call["status"], call["agent_id"], call["position"]) == ("queued", None, 1)
    other = api.create_agent(ready=True, name="Other")
    assert api.get_call("c-1")["agent_id"] == other["id"]


def test_transfer_to_another_agent(client: httpx.Client, api: Any) -> None:
    first = api.create_agent(ready=True)
    second = api.create_agent(ready=True, name="Second", extension="+14155550124", skills={})
    api.call("c-1", "ringing", **{"from": CALLER, "category": "ski"})
    api.call("c-1", "answered")
    moved = api.call("c-1", "transferred", to_agent_id=second["id"])
    assert (moved["action"], moved["agent_id"], moved["extension"]) == (
        "connect",
        second["id"],
        "+14155550124",
    )
    assert api.get_agent(first["id"])["current_call_id"] is None
    assert api.get_call("c-1")["transfers"] == 1
    busy = api.call("c-1", "transferred", to_agent_id=second["id"], status=409)
    assert busy["type"] == PROBLEM + "agent-unavailable"


def test_the_telephony_integration_answers_like_the_calls_route(
    client: httpx.Client, api: Any, as_role: Any
) -> None:
    expert = api.create_agent(ready=True, name="Expert", extension="sip:exp@pbx", skills={"ski": 5})
    body = {"call_id": "c-9", "event": "ringing", "from": CALLER, "category": "ski"}

    answer = client.post(
        "/v1/integrations/telephony/calls", json=body, headers=as_role("telephony")
    )
    refused = client.post(
        "/v1/integrations/telephony/calls",
        json={**body, "call_id": "c-10"},
        headers=as_role("agent"),
    )

    assert answer.status_code == 200, answer.text
    assert (answer.json()["action"], answer.json()["agent_id"]) == ("connect", expert["id"])
    assert api.get_call("c-9")["agent_id"] == expert["id"]
    assert refused.status_code == 403


def test_the_best_expert_is_found_among_many_free_agents(client: httpx.Client, api: Any) -> None:
    # More free agents than one tier's read (agents.repository.CANDIDATES_PER_TIER): the idle
    # longest are not the experts, and the best expert became ready last.
    idle = [api.create_agent(ready=True, name=f"Idle {n}", skills={"golf": 5}) for n in range(6)]
    for n in range(6):
        api.create_agent(ready=True, name=f"Fair {n}", skills={"ski": 2})
    best = api.create_agent(ready=True, name="Best", skills={"ski": 4, "golf": 1})

    expert = api.call("c-1", "ringing", **{"from": CALLER, "category": "ski"})
    anyone = api.call("c-2", "ringing", **{"from": "anonymous"})

    assert expert["agent_id"] == best["id"]
    assert anyone["agent_id"] == idle[0]["id"]
