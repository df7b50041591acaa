"""Concurrent ringing calls never share an agent and a call is never assigned twice (threads
against the live server, on each backend)."""

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from crm_common.testing import LiveServer

THREADS = 12


def race(
    server: LiveServer, headers: dict[str, str], bodies: list[dict[str, Any]]
) -> list[httpx.Response]:
    barrier = threading.Barrier(len(bodies))

    def post(body: dict[str, Any]) -> httpx.Response:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            barrier.wait()
            return http.post("/v1/calls", json=body, headers=headers)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(post, bodies))


def test_parallel_calls_never_share_an_agent(
    client: httpx.Client,
    server: LiveServer,
    admin: dict[str, str],
    api: Any,
    count: Callable[[str], int],
) -> None:
    agents = {api.create_agent(ready=True, name=f"A{n}")["id"] for n in range(4)}
    bodies = [{"call_id": f"c-{n}", "event": "ringing", "category": "ski"} for n in range(THREADS)]
    answers = [r.json() for r in race(server, admin, bodies)]
    connected = [a["agent_id"] for a in answers if a["action"] == "connect"]
    assert Counter(a["action"] for a in answers) == {"connect": 4, "queue": THREADS - 4}
    assert set(connected) == agents and len(connected) == 4
    # Positions answered during the race are each transaction's snapshot; read afterwards, the
    # queue holds every other call exactly once.
    queued = [api.get_call(a["call_id"]) for a in answers if a["action"] == "queue"]
    assert sorted(c["position"] for c in queued) == list(range(1, THREADS - 4 + 1))
    assert count("calls") == THREADS


def test_the_same_call_ringing_in_parallel_is_assigned_once(
    client: httpx.Client,
    server: LiveServer,
    admin: dict[str, str],
    api: Any,
    count: Callable[[str], int],
) -> None:
    for n in range(4):
        api.create_agent(ready=True, name=f"A{n}")
    responses = race(server, admin, [{"call_id": "same", "event": "ringing"}] * 8)
    assert Counter(r.status_code for r in responses) == {200: 1, 409: 7}
    assert count("calls") == 1
    busy = [
        a for a in client.get("/v1/agents", headers=admin).json()["items"] if a["current_call_id"]
    ]
    assert [a["current_call_id"] for a in busy] == ["same"]


def test_agents_becoming_ready_in_parallel_take_distinct_calls(
    client: httpx.Client, server: LiveServer, admin: dict[str, str], api: Any
) -> None:
    agents = [api.create_agent(name=f"A{n}")["id"] for n in range(6)]
    for n in range(3):
        assert api.call(f"c-{n}", "ringing")["action"] == "queue"
    barrier = threading.Barrier(len(agents))

    def ready(agent_id: str) -> dict[str, Any]:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            barrier.wait()
            response = http.put(
                f"/v1/agents/{agent_id}/presence", json={"status": "ready"}, headers=admin
            )
            assert response.status_code == 200, response.text
            return dict(response.json())

    with ThreadPoolExecutor(max_workers=len(agents)) as pool:
        list(pool.map(ready, agents))
    items = client.get("/v1/agents", headers=admin).json()["items"]
    taken = sorted(a["current_call_id"] for a in items if a["current_call_id"])
    assert taken == ["c-0", "c-1", "c-2"]
    calls = [api.get_call(f"c-{n}") for n in range(3)]
    assert {c["status"] for c in calls} == {"assigned"}
    assert len({c["agent_id"] for c in calls}) == 3
