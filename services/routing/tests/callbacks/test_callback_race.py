"""Sweeps running at once (and ringing calls beside them) never start two attempts of one
callback, never give one agent two attempts, and never give an agent a call and an attempt (threads
on each backend: real concurrency on PostgreSQL, the write lock on SQLite)."""

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from crm_common.db import transaction, utcnow
from crm_common.testing import LiveServer
from crm_routing.callbacks import service

from .conftest import Callbacks, window

SWEEPS = 4


def parallel(jobs: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(jobs))

    def run(job: Callable[[], Any]) -> Any:
        barrier.wait()
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def sweeper(cb: Callbacks, now: datetime) -> Callable[[], service.Sweep]:
    def sweep() -> service.Sweep:
        with transaction(cb.engine) as session:
            return service.dispatch_due(session, cb.settings, now)

    return sweep


def _id(value: Any) -> str:
    """A uuid column's value as the API writes it (SQLite returns 32 hex digits)."""
    return str(uuid.UUID(str(value)))


def open_attempts(cb: Callbacks) -> list[tuple[str, str]]:
    with cb.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT callback_id, agent_id FROM callback_attempts WHERE outcome IS NULL")
        ).all()
    return [(_id(r[0]), _id(r[1])) for r in rows]


def test_parallel_sweeps_start_each_callback_once_and_give_each_agent_one(cb: Callbacks) -> None:
    agents = {cb.agent(name=f"A{n}", skills={"ski": 1 + n % 3})["id"] for n in range(5)}
    created = [cb.create(**window(start_in=-1), category="ski") for _ in range(12)]
    now = utcnow()
    for round_ in range(2):
        sweeps = parallel([sweeper(cb, now)] * SWEEPS)
        started = [str(i) for s in sweeps for i in s.started]
        assert len(started) == len(set(started)) == len(agents), (round_, started)
        attempts = open_attempts(cb)
        assert sorted(c for c, _ in attempts) == sorted(started)
        assert {a for _, a in attempts} == agents and len(attempts) == len(agents)
        holders = [cb.get_agent(a)["current_call_id"] for a in agents]
        assert all(h.startswith("callback:") for h in holders) and len(set(holders)) == 5
        for callback_id in started:
            number = cb.get(callback_id)["attempt_count"]
            cb.outcome(callback_id, number, "no_answer")
        now += timedelta(seconds=301)  # the first retries are due, and the callbacks never tried
    with cb.engine.connect() as conn:
        per_number = conn.execute(
            text("SELECT callback_id, number, COUNT(*) FROM callback_attempts GROUP BY 1, 2")
        ).all()
    assert {row[2] for row in per_number} == {1} and len(per_number) == 10
    assert len(cb.events("routing.callback.connect.v1")) == 10
    assert {c["id"] for c in created} >= {_id(row[0]) for row in per_number}


def test_sweeps_and_ringing_calls_at_once_never_share_an_agent(
    cb: Callbacks, cb_server: LiveServer
) -> None:
    agents = {cb.agent(name=f"A{n}")["id"] for n in range(4)}
    for _ in range(6):
        cb.create(**window(start_in=-1))
    now = utcnow()

    def ring(n: int) -> Callable[[], dict[str, Any]]:
        def post() -> dict[str, Any]:
            with httpx.Client(base_url=cb_server.url, timeout=60) as client:
                body = {"call_id": f"c-{n}", "event": "ringing"}
                response = client.post("/v1/calls", json=body, headers=cb.admin)
                assert response.status_code == 200, response.text
                return dict(response.json())

        return post

    results = parallel([sweeper(cb, now)] * 2 + [ring(n) for n in range(4)])
    connected = [r["agent_id"] for r in results[2:] if r["action"] == "connect"]
    attempts = open_attempts(cb)
    holders = connected + [a for _, a in attempts]
    assert Counter(holders) == Counter(agents)  # every agent busy once, with a call or an attempt
    for agent_id in agents:
        current = cb.get_agent(agent_id)["current_call_id"]
        assert current.startswith("callback:") == (agent_id not in connected)
