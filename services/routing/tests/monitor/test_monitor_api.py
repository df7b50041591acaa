"""The contact-centre monitor: agents by effective status, the queue in order with wait times,
open chats and due callbacks (seeded straight into the database), and its SSE stream."""

import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from crm_common.db import utcnow
from crm_common.testing import LiveServer, live_server
from crm_routing.agents.models import Agent
from crm_routing.callbacks.models import Callback
from crm_routing.calls.models import Call
from crm_routing.chats.models import Chat
from crm_routing.config import RoutingSettings
from crm_routing.main import create_app
from crm_routing.web.models import WebSession


def seed_agent(session: Session, name: str, **extra: Any) -> Agent:
    agent = Agent(name=name, extension="+14155550123", **extra)
    session.add(agent)
    return agent


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def entry(agent: Agent, since: datetime, **extra: Any) -> dict[str, Any]:
    values = {
        "id": str(agent.id),
        "name": agent.name,
        "team": agent.team,
        "since": iso(since),
        "call_id": None,
        "wrap_up_until": None,
    }
    return values | extra


@pytest.fixture
def now() -> datetime:
    return utcnow().replace(microsecond=0)


@pytest.fixture
def floor(client: httpx.Client, engine: Engine, now: datetime) -> dict[str, Agent]:
    """One active agent in each effective status (and one deactivated), and three waiting calls.
    The calls are of a category no free agent has, so the dispatcher leaves them queued."""

    def ago(seconds: float) -> datetime:
        return now - timedelta(seconds=seconds)

    with Session(engine, expire_on_commit=False) as session:
        agents = {
            "ready": seed_agent(
                session, "Ada", team="Alps", presence="ready", ready_since=ago(300),
                skills={"city": 3}, updated_at=ago(400),
            ),
            "away": seed_agent(session, "Bob", presence="away", updated_at=ago(200)),
            "offline": seed_agent(session, "Cy", updated_at=ago(100)),
            "busy": seed_agent(session, "Dee", presence="busy", updated_at=ago(50)),
            "on_call": seed_agent(
                session, "Eve", team="Alps", presence="ready", current_call_id="c-on",
                ready_since=ago(900), updated_at=ago(60),
            ),
            "wrap_up": seed_agent(
                session, "Fay", presence="ready", wrap_up_until=now + timedelta(hours=1),
                ready_since=now + timedelta(hours=1), updated_at=ago(10),
            ),
            "gone": seed_agent(session, "Gus", presence="ready", active=False, ready_since=ago(5)),
        }  # fmt: skip
        session.flush()
        session.add(
            Call(
                call_id="c-on", status="answered", category="ski", agent_id=agents["on_call"].id,
                started_at=ago(75), assigned_at=ago(60), answered_at=ago(55),
            )
        )  # fmt: skip
        for call_id, priority, waited in (("q-low", 0, 120), ("q-high", 50, 30), ("q-mid", 0, 60)):
            session.add(
                Call(
                    call_id=call_id, status="queued", category="ski", priority=priority,
                    started_at=ago(waited + 2), queued_at=ago(waited),
                )
            )  # fmt: skip
        session.commit()
    return agents


def get_monitor(client: httpx.Client, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get("/v1/monitor", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_agents_by_effective_status(
    floor: dict[str, Agent], client: httpx.Client, admin: dict[str, str], now: datetime
) -> None:
    agents = get_monitor(client, admin)["agents"]

    def ago(seconds: float) -> datetime:
        return now - timedelta(seconds=seconds)

    assert agents == {
        "ready": {"count": 1, "agents": [entry(floor["ready"], ago(300))]},
        "busy": {"count": 1, "agents": [entry(floor["busy"], ago(50))]},
        "on_call": {"count": 1, "agents": [entry(floor["on_call"], ago(60), call_id="c-on")]},
        "wrap_up": {
            "count": 1,
            "agents": [
                entry(floor["wrap_up"], ago(10), wrap_up_until=iso(now + timedelta(hours=1)))
            ],
        },
        "away": {"count": 1, "agents": [entry(floor["away"], ago(200))]},
        "offline": {"count": 1, "agents": [entry(floor["offline"], ago(100))]},
    }


def test_waiting_calls_in_queue_order_with_their_wait(
    floor: dict[str, Agent], client: httpx.Client, admin: dict[str, str], now: datetime
) -> None:
    monitor = get_monitor(client, admin)
    waiting = monitor["waiting_calls"]

    as_of = datetime.fromisoformat(monitor["as_of"])
    assert [
        (c["call_id"], c["priority"], c["position"], c["category"], c["queued_at"])
        for c in waiting["calls"]
    ] == [
        ("q-high", 50, 1, "ski", iso(now - timedelta(seconds=30))),
        ("q-low", 0, 2, "ski", iso(now - timedelta(seconds=120))),
        ("q-mid", 0, 3, "ski", iso(now - timedelta(seconds=60))),
    ]
    for call in waiting["calls"]:
        queued_at = datetime.fromisoformat(call["queued_at"])
        assert call["waited_seconds"] == round((as_of - queued_at).total_seconds(), 3)
    assert waiting["count"] == 3
    assert waiting["longest_wait_seconds"] == waiting["calls"][1]["waited_seconds"]
    assert 120 <= waiting["longest_wait_seconds"] < 180


def test_an_empty_floor(client: httpx.Client, admin: dict[str, str]) -> None:
    monitor = get_monitor(client, admin)

    assert all(group == {"count": 0, "agents": []} for group in monitor["agents"].values())
    assert monitor["waiting_calls"] == {"count": 0, "longest_wait_seconds": None, "calls": []}
    assert monitor["active_chats"] == {"count": 0}
    assert monitor["callbacks_due"] == {"count": 0, "oldest_due_at": None}


def test_open_chats_and_due_callbacks_are_counted(
    client: httpx.Client, engine: Engine, admin: dict[str, str], now: datetime
) -> None:
    agent_id = uuid.uuid4()
    with Session(engine) as session:
        for n, status in enumerate(("open", "open", "closed")):
            session.add(
                WebSession(
                    session_id=f"s-{n}", visitor_id=f"v-{n}", first_page_at=now, last_page_at=now
                )
            )
            session.flush()
            session.add(
                Chat(session_id=f"s-{n}", agent_id=agent_id, visitor_id=f"v-{n}", status=status)
            )

        def callback(status: str, next_in: int | None, window_left: int = 3600) -> Callback:
            return Callback(
                phone="+14155550199", note="", status=status, created_by="test",
                window_from=now - timedelta(hours=1),
                window_to=now + timedelta(seconds=window_left),
                next_attempt_at=None if next_in is None else now + timedelta(seconds=next_in),
            )  # fmt: skip

        session.add_all(
            [
                callback("scheduled", -600),  # due for ten minutes
                callback("scheduled", -60),
                callback("scheduled", 600),  # not yet
                callback("scheduled", -60, window_left=-1),  # its window closed
                callback("in_progress", None),
                callback("completed", None),
            ]
        )
        session.commit()

    monitor = get_monitor(client, admin)

    assert monitor["active_chats"] == {"count": 2}
    assert monitor["callbacks_due"] == {
        "count": 2,
        "oldest_due_at": iso(now - timedelta(seconds=600)),
    }


def test_managers_only(client: httpx.Client, as_role: Callable[..., dict[str, str]]) -> None:
    assert client.get("/v1/monitor", headers=as_role("manager")).status_code == 200
    forbidden = client.get("/v1/monitor", headers=as_role("agent"))
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/monitor").status_code == 401
    assert client.get("/v1/monitor/stream", headers=as_role("agent")).status_code == 403
    assert client.get("/v1/monitor/stream").status_code == 401


class Frames:
    """Reads an SSE answer frame by frame: (kind, value), kind `event` (value: id, name, data)
    or `comment`."""

    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.iter_lines()

    def next(self) -> tuple[str, Any]:
        fields: dict[str, str] = {}
        comment: str | None = None
        for line in self.lines:
            if line == "":
                if comment is not None and not fields:
                    return "comment", comment
                return "event", (int(fields["id"]), fields["event"], json.loads(fields["data"]))
            if line.startswith(":"):
                comment = line[1:].strip()
            else:
                name, _, value = line.partition(": ")
                fields[name] = value
        raise AssertionError("the stream ended")

    def next_event(self) -> tuple[int, str, dict[str, Any]]:
        while True:
            kind, value = self.next()
            if kind == "event":
                return value  # type: ignore[no-any-return]


@pytest.fixture
def stream(client: httpx.Client, admin: dict[str, str]) -> Iterator[Frames]:
    with client.stream("GET", "/v1/monitor/stream", headers=admin, timeout=10) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Frames(response)


def test_the_stream_sends_a_snapshot_then_each_change(
    floor: dict[str, Agent], stream: Frames, api: Any
) -> None:
    first_id, name, first = stream.next_event()
    assert (first_id, name) == (1, "snapshot")
    assert first["agents"]["away"]["count"] == 1
    assert [c["call_id"] for c in first["waiting_calls"]["calls"]] == ["q-high", "q-low", "q-mid"]

    api.presence(str(floor["away"].id), "offline")

    second_id, name, second = stream.next_event()
    assert (second_id, name) == (2, "snapshot")
    assert second["agents"]["away"] == {"count": 0, "agents": []}
    assert [a["name"] for a in second["agents"]["offline"]["agents"]] == [
        "Cy",
        "Bob",
    ]  # longest offline first


@pytest.fixture
def quiet_server(service_settings: RoutingSettings) -> Iterator[LiveServer]:
    """The app without workers, polling fast and keeping alive every 0.3 s."""
    settings = service_settings.model_copy(
        update={
            "relay_enabled": False,
            "consumers_enabled": False,
            "dispatch_enabled": False,
            "monitor_poll_seconds": 0.05,
            "monitor_keepalive_seconds": 0.3,
        }
    )
    with live_server(create_app(settings)) as running:
        yield running


def test_without_changes_only_keepalives_follow_the_snapshot(
    client: httpx.Client, quiet_server: LiveServer, admin: dict[str, str]
) -> None:
    with httpx.stream(
        "GET", f"{quiet_server.url}/v1/monitor/stream", headers=admin, timeout=10
    ) as response:
        frames = Frames(response)
        assert frames.next() == ("comment", "open")
        kind, (event_id, _, _) = frames.next()
        assert (kind, event_id) == ("event", 1)
        started = time.monotonic()
        seen = [frames.next() for _ in range(3)]
        elapsed = time.monotonic() - started

    # The wait times grew meanwhile (the clock moved), yet nothing else did: no new snapshot.
    assert seen == [("comment", "keepalive")] * 3
    assert elapsed >= 0.8
