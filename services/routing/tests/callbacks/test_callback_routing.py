"""Due callbacks routed like calls by the sweep (`dispatch_due`, run here with an explicit `now`):
to who knows the customer or the best free expert, retried after delays, completed, failed,
expired, recovered when an attempt is never reported, and their events in the outbox."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlmodel import Session

from crm_common.db import utcnow
from crm_routing.readmodel.models import CustomerOrder

from .conftest import WIDEN_AFTER_SECONDS, WRAP_UP_SECONDS, Callbacks, window


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def due_now(cb: Callbacks, **body: Any) -> dict[str, Any]:
    created: dict[str, Any] = cb.create(**{**window(start_in=-1), **body})
    return created


def test_a_due_callback_goes_to_the_owner_when_free(cb: Callbacks) -> None:
    owner = cb.agent(name="Owner", skills={}, extension="sip:owner@pbx.example.com")
    cb.agent(name="Expert", skills={"ski": 5})
    contact_id = cb.contact(owner_id=owner["id"], phones=("+14155550190",))
    created = due_now(cb, phone=None, contact_id=str(contact_id), category="ski", note="Boots")
    now = utcnow()
    assert [str(i) for i in cb.sweep(now).started] == [created["id"]]
    callback = cb.get(created["id"])
    assert (callback["status"], callback["attempt_count"], callback["agent_id"]) == (
        "in_progress", 1, owner["id"],
    )  # fmt: skip
    assert callback["next_attempt_at"] is None and callback["version"] == 2
    [attempt] = callback["attempts"]
    assert attempt == {
        "id": attempt["id"],
        "number": 1, "agent_id": owner["id"], "extension": "sip:owner@pbx.example.com",
        "started_at": attempt["started_at"], "outcome": None, "finished_at": None,
        "duration_seconds": None,
    }  # fmt: skip
    assert at(attempt["started_at"]) == now
    agent = cb.get_agent(owner["id"])
    assert (agent["status"], agent["current_call_id"]) == ("busy", f"callback:{attempt['id']}")
    [event] = cb.events("routing.callback.connect.v1")
    assert event == {
        "callback_id": created["id"], "attempt": 1, "agent_id": owner["id"],
        "extension": "sip:owner@pbx.example.com", "customer_number": "+14155550190",
        "contact_id": str(contact_id), "category": "ski", "note": "Boots",
        "started_at": event["started_at"], "purpose": "service",
    }  # fmt: skip
    assert at(event["started_at"]) == now


def test_else_the_best_free_expert_of_the_category(cb: Callbacks) -> None:
    owner = cb.agent(ready=False, name="Owner", skills={"ski": 5})
    cb.agent(name="Good", skills={"ski": 2})
    best = cb.agent(name="Best", skills={"ski": 5})
    cb.agent(name="Golf", skills={"golf": 5})
    contact_id = cb.contact(owner_id=owner["id"], phones=("+14155550190",))
    created = due_now(cb, phone=None, contact_id=str(contact_id), category="ski")
    sweep = cb.sweep(utcnow())
    assert [str(i) for i in sweep.started] == [created["id"]]
    assert cb.get(created["id"])["agent_id"] == best["id"]


def test_the_category_of_what_they_bought_when_none_is_given(cb: Callbacks) -> None:
    cb.agent(name="Ski", skills={"ski": 5})
    golf = cb.agent(name="Golf", skills={"golf": 2})
    contact_id = cb.contact(phones=("+14155550190",))
    with Session(cb.engine) as session:
        session.add(
            CustomerOrder(
                id=contact_id, contact_id=contact_id, number="R-1", status="placed",
                currency="EUR", total=Decimal("100"), categories=["golf"], version=1,
            )
        )  # fmt: skip
        session.commit()
    created = due_now(cb, phone=None, contact_id=str(contact_id))
    assert created["category"] == "golf"
    cb.sweep(utcnow())
    assert cb.get(created["id"])["agent_id"] == golf["id"]


def test_nobody_suitable_free_keeps_it_scheduled_until_its_target_widens(
    cb: Callbacks, http: httpx.Client
) -> None:
    golf = cb.agent(name="Golf", skills={"golf": 5})
    on_call = cb.agent(name="Ski", skills={"ski": 5})
    ringing = {"call_id": "c-1", "event": "ringing", "category": "ski"}
    answer = http.post("/v1/calls", json=ringing, headers=cb.admin).json()
    assert answer["agent_id"] == on_call["id"]
    later = cb.create(category="ski", **window(start_in=600))
    created = due_now(cb, category="ski")
    now = utcnow()
    assert cb.sweep(now).started == []
    callback = cb.get(created["id"])
    assert (callback["status"], callback["attempt_count"], callback["attempts"]) == (
        "scheduled", 0, [],
    )  # fmt: skip
    assert cb.events("routing.callback.connect.v1") == []
    widened = now + timedelta(seconds=WIDEN_AFTER_SECONDS + 1)
    assert [str(i) for i in cb.sweep(widened).started] == [created["id"]]
    assert cb.get(created["id"])["agent_id"] == golf["id"]
    assert cb.get(later["id"])["status"] == "scheduled"


def test_an_agent_on_a_callback_gets_no_call(cb: Callbacks, http: httpx.Client) -> None:
    agent = cb.agent(skills={"ski": 5})
    created = due_now(cb, category="ski")
    cb.sweep(utcnow())
    ringing = {"call_id": "c-1", "event": "ringing", "category": "ski"}
    answer = http.post("/v1/calls", json=ringing, headers=cb.admin).json()
    assert (answer["action"], answer["status"]) == ("queue", "queued")
    assert cb.get(created["id"])["agent_id"] == agent["id"]


def test_a_connected_attempt_completes_it_and_frees_the_agent_after_wrap_up(
    cb: Callbacks, http: httpx.Client
) -> None:
    agent = cb.agent()
    created = due_now(cb)
    cb.sweep(utcnow())
    before = utcnow()
    response = http.post(
        f"/v1/integrations/telephony/callbacks/{created['id']}/attempts/1",
        json={"outcome": "connected", "duration_seconds": 184},
        headers=cb.telephony,
    )
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == '"3"'
    callback = response.json()
    assert (callback["status"], callback["version"]) == ("completed", 3)
    [attempt] = callback["attempts"]
    assert (attempt["outcome"], attempt["duration_seconds"]) == ("connected", 184.0)
    assert at(callback["finished_at"]) == at(attempt["finished_at"]) >= before
    freed = cb.get_agent(agent["id"])
    assert freed["current_call_id"] is None and freed["status"] == "busy"
    wrap_up = at(freed["wrap_up_until"]) - at(attempt["finished_at"])
    assert wrap_up == timedelta(seconds=WRAP_UP_SECONDS)
    [event] = cb.events("routing.callback.completed.v1")
    assert (event["callback_id"], event["attempt"], event["agent_id"]) == (
        created["id"], 1, agent["id"],
    )  # fmt: skip
    assert (event["duration_seconds"], event["customer_number"]) == (184.0, "+14155550177")
    assert cb.sweep(utcnow() + timedelta(hours=1)).started == []


def test_unconnected_attempts_are_retried_after_their_delays_then_fail(cb: Callbacks) -> None:
    agent = cb.agent()
    created = due_now(cb)
    cb.sweep(utcnow())
    outcomes = ["no_answer", "busy", "failed"]
    delays = [300, 900]
    for number, outcome in enumerate(outcomes, start=1):
        before = utcnow()
        callback = cb.outcome(created["id"], number, outcome)
        freed = cb.get_agent(agent["id"])
        assert (freed["current_call_id"], freed["wrap_up_until"]) == (None, None)
        if number == len(outcomes):
            break
        assert (callback["status"], callback["agent_id"]) == ("scheduled", agent["id"])
        due = at(callback["next_attempt_at"])
        assert (
            before + timedelta(seconds=delays[number - 1])
            <= due
            <= utcnow() + timedelta(seconds=delays[number - 1])
        )
        assert cb.sweep(due - timedelta(seconds=1)).started == []
        assert [str(i) for i in cb.sweep(due).started] == [created["id"]]
    assert (callback["status"], callback["attempt_count"], callback["next_attempt_at"]) == (
        "failed", 3, None,
    )  # fmt: skip
    assert [a["outcome"] for a in callback["attempts"]] == outcomes
    assert [a["number"] for a in callback["attempts"]] == [1, 2, 3]
    rescheduled = cb.events("routing.callback.rescheduled.v1")
    assert [(e["attempt"], e["outcome"]) for e in rescheduled] == [(1, "no_answer"), (2, "busy")]
    [failed] = cb.events("routing.callback.failed.v1")
    assert (failed["callback_id"], failed["attempts"], failed["last_outcome"]) == (
        created["id"], 3, "failed",
    )  # fmt: skip
    assert len(cb.events("routing.callback.connect.v1")) == 3
    cb.outcome(created["id"], 3, "connected", status=409)


def test_the_limit_and_the_delays_are_settings(cb: Callbacks) -> None:
    cb.agent()
    first, second = due_now(cb), due_now(cb)
    now = utcnow()
    cb.sweep(now)
    assert cb.get(second["id"])["status"] == "scheduled"  # one agent: one attempt at a time
    cb.outcome(first["id"], 1, "connected")
    later = now + timedelta(seconds=WRAP_UP_SECONDS + 60)
    cb.sweep(later)
    timeout = {"callback_attempt_timeout_seconds": 60}
    ended = later + timedelta(seconds=60)
    cb.sweep(ended, callback_retry_delays_seconds=[42], **timeout)
    assert at(cb.get(second["id"])["next_attempt_at"]) == ended + timedelta(seconds=42)
    retried = ended + timedelta(seconds=42)
    cb.sweep(retried)
    cb.sweep(retried + timedelta(seconds=60), callback_max_attempts=2, **timeout)
    callback = cb.get(second["id"])
    assert (callback["status"], callback["attempt_count"]) == ("failed", 2)


def test_a_retry_that_no_longer_fits_the_window_expires_it(cb: Callbacks) -> None:
    cb.agent()
    created = cb.create(**window(start_in=-1, length=200))
    cb.sweep(utcnow())
    callback = cb.outcome(created["id"], 1, "no_answer")
    assert (callback["status"], callback["next_attempt_at"]) == ("expired", None)
    [event] = cb.events("routing.callback.expired.v1")
    assert (event["callback_id"], event["attempts"]) == (created["id"], 1)
    assert cb.events("routing.callback.rescheduled.v1") == []


def test_a_window_that_passes_without_a_free_agent_expires_it(cb: Callbacks) -> None:
    created = due_now(cb)
    waiting = cb.create(**window(start_in=1800))
    closes = at(created["window_to"])
    assert cb.sweep(closes - timedelta(seconds=1)).expired == []
    sweep = cb.sweep(closes)
    assert [str(i) for i in sweep.expired] == [created["id"]]
    callback = cb.get(created["id"])
    assert (callback["status"], callback["attempt_count"]) == ("expired", 0)
    assert at(callback["finished_at"]) == closes
    assert cb.get(waiting["id"])["status"] == "scheduled"
    assert [e["callback_id"] for e in cb.events("routing.callback.expired.v1")] == [created["id"]]


def test_an_attempt_never_reported_fails_after_the_timeout_and_frees_its_agent(
    cb: Callbacks,
) -> None:
    agent = cb.agent()
    created = due_now(cb)
    now = utcnow()
    cb.sweep(now)
    assert (
        cb.sweep(now + timedelta(seconds=59), callback_attempt_timeout_seconds=60).timed_out == []
    )
    later = now + timedelta(seconds=60)
    sweep = cb.sweep(later, callback_attempt_timeout_seconds=60)
    assert [str(i) for i in sweep.timed_out] == [created["id"]]
    assert sweep.started == []  # its retry is due after the delay, not at once
    callback = cb.get(created["id"])
    assert (callback["status"], at(callback["next_attempt_at"])) == (
        "scheduled", later + timedelta(seconds=300),
    )  # fmt: skip
    [attempt] = callback["attempts"]
    assert (attempt["outcome"], at(attempt["finished_at"])) == ("failed", later)
    freed = cb.get_agent(agent["id"])
    assert (freed["current_call_id"], freed["status"]) == (None, "ready")
    late = cb.outcome(created["id"], 1, "connected", status=409)
    assert late["type"] == "https://rapport.dev/problems/callback-attempt-finished"


def test_cancelling_during_an_attempt_keeps_the_agent_until_its_outcome(cb: Callbacks) -> None:
    agent = cb.agent()
    created = due_now(cb)
    cb.sweep(utcnow())
    response = cb.http.post(f"/v1/callbacks/{created['id']}/cancel", headers=cb.admin)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    [event] = cb.events("routing.callback.cancelled.v1")
    assert event["attempt_in_progress"] == 1
    assert cb.get_agent(agent["id"])["current_call_id"].startswith("callback:")
    callback = cb.outcome(created["id"], 1, "no_answer")
    assert (callback["status"], callback["attempts"][0]["outcome"]) == ("cancelled", "no_answer")
    assert cb.get_agent(agent["id"])["current_call_id"] is None
    assert cb.events("routing.callback.rescheduled.v1") == []
    assert cb.sweep(utcnow() + timedelta(hours=1)).started == []


def test_outcome_errors(cb: Callbacks, http: httpx.Client) -> None:
    cb.agent()
    created = due_now(cb)
    missing = "0190c6a0-0000-7000-8000-000000000009"
    unknown = cb.outcome(missing, 1, "connected", status=404)
    assert unknown["type"] == "https://rapport.dev/problems/callback-not-found"
    no_attempt = cb.outcome(created["id"], 1, "connected", status=404)
    assert no_attempt["type"] == "https://rapport.dev/problems/callback-attempt-not-found"
    cb.sweep(utcnow())
    assert cb.outcome(created["id"], 2, "connected", status=404)["title"] == (
        "Callback attempt not found"
    )
    url = f"/v1/integrations/telephony/callbacks/{created['id']}/attempts"
    for path, body, field in [
        ("/1", {"outcome": "hung_up"}, "body.outcome"),
        ("/1", {"outcome": "connected", "duration_seconds": -1}, "body.duration_seconds"),
        ("/1", {"outcome": "connected", "duration_seconds": "long"}, "body.duration_seconds"),
        ("/1", {}, "body.outcome"),
        ("/0", {"outcome": "connected"}, "path.number"),
        ("/99999999999", {"outcome": "connected"}, "path.number"),
    ]:
        response = http.post(url + path, json=body, headers=cb.telephony)
        assert response.status_code == 422, (path, body, response.text)
        assert [e["field"] for e in response.json()["errors"]] == [field]
    assert cb.get(created["id"])["status"] == "in_progress"
    cb.outcome(created["id"], 1, "no_answer")
    again = cb.outcome(created["id"], 1, "connected", status=409)
    assert (again["type"], again["outcome"]) == (
        "https://rapport.dev/problems/callback-attempt-finished", "no_answer",
    )  # fmt: skip
