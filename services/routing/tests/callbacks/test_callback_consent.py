"""Consent enforcement on callbacks: a marketing callback needs its contact's phone consent when it
is scheduled (409 consent-required otherwise), and the sweep cancels one whose consent was
withdrawn since (never dialled); a service callback, asked for by the customer, needs none."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from crm_common.db import utcnow
from crm_common.events import contacts
from crm_common.events.envelope import CloudEvent
from crm_routing.handlers import HANDLERS, events_consumer

from .conftest import Callbacks, window

T0 = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
PHONE = "+14155550190"
PROBLEM = "https://rapport.dev/problems/consent-required"


def give(cb: Callbacks, contact_id: uuid.UUID, granted: bool, at: datetime, **extra: Any) -> None:
    """Apply `contacts.consent.changed.v1` as the consumer does."""
    change = contacts.ConsentChanged(
        contact_id=contact_id,
        purpose=extra.get("purpose", "phone"),
        granted=granted,
        source="preference-centre",
        changed_at=at,
    )
    event = CloudEvent.wrap(change, source="contacts", subject=str(contact_id), correlation_id=None)
    assert events_consumer(cb.engine, cb.settings).apply(event, HANDLERS[event.type])


def refused(cb: Callbacks, **body: Any) -> dict[str, Any]:
    payload = {"note": "Spring offer", "purpose": "marketing", **window(), **body}
    response = cb.http.post("/v1/callbacks", json=payload, headers=cb.admin)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return dict(response.json())


def test_a_marketing_callback_needs_the_phone_consent(cb: Callbacks) -> None:
    contact_id = cb.contact(phones=(PHONE,))
    never = refused(cb, phone=None, contact_id=str(contact_id))
    assert {k: never[k] for k in ("type", "title", "status", "detail", "purpose", "contact_id")} == {
        "type": PROBLEM, "title": "Consent required", "status": 409,
        "detail": "A marketing callback needs the contact's consent for phone: the contact never "
        "gave it.",
        "purpose": "phone", "contact_id": str(contact_id),
    }  # fmt: skip
    give(cb, contact_id, True, T0, purpose="sms")  # another purpose does not count
    assert refused(cb, phone=PHONE)["detail"].endswith("the contact never gave it.")
    give(cb, contact_id, True, T0)
    give(cb, contact_id, False, T0 + timedelta(minutes=1))
    withdrawn = refused(cb, phone=PHONE)
    assert withdrawn["detail"].endswith("the contact withdrew it.")
    assert cb.rows("callbacks") == 0 and cb.events("routing.callback.scheduled.v1") == []

    give(cb, contact_id, True, T0 + timedelta(minutes=2))
    created = cb.create(phone=PHONE, purpose="marketing", note="Spring offer")
    assert (created["purpose"], created["contact_id"], created["status"]) == (
        "marketing", str(contact_id), "scheduled",
    )  # fmt: skip
    [event] = cb.events("routing.callback.scheduled.v1")
    assert (event["purpose"], event["contact_id"]) == ("marketing", str(contact_id))


def test_a_bare_number_nobody_is_known_by_is_refused_for_marketing(cb: Callbacks) -> None:
    problem = refused(cb, phone="+14155550177")
    assert (problem["type"], problem["purpose"], problem["contact_id"]) == (PROBLEM, "phone", None)
    assert problem["detail"] == (
        "A marketing callback needs the contact's consent for phone: the number belongs to no "
        "known contact."
    )
    assert cb.create(phone="+14155550177")["purpose"] == "service"  # the customer asked for it


@pytest.mark.parametrize("purpose", ["sales", "", None])
def test_an_unknown_purpose_is_422(cb: Callbacks, purpose: Any) -> None:
    response = cb.http.post(
        "/v1/callbacks",
        json={"phone": PHONE, "note": "x", "purpose": purpose, **window()},
        headers=cb.admin,
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["body.purpose"]


def test_a_withdrawal_cancels_the_scheduled_marketing_callbacks_at_once(
    cb: Callbacks,
) -> None:
    cb.agent(skills={"ski": 5})
    contact_id = cb.contact(phones=(PHONE,))
    give(cb, contact_id, True, T0)
    due = window(start_in=-1)
    offer = cb.create(phone=None, contact_id=str(contact_id), purpose="marketing", **due)
    later = cb.create(phone=None, contact_id=str(contact_id), purpose="marketing", **window(60))
    asked = cb.create(phone=None, contact_id=str(contact_id), category="ski", **due)

    give(cb, contact_id, False, T0 + timedelta(days=1))

    for each in (offer, later):
        cancelled = cb.get(each["id"])
        assert (
            cancelled["status"], cancelled["cancel_reason"], cancelled["attempts"],
            cancelled["next_attempt_at"], cancelled["version"],
        ) == ("cancelled", "consent-withdrawn", [], None, 2)  # fmt: skip
    assert cb.get(asked["id"])["status"] == "scheduled"
    events = cb.events("routing.callback.cancelled.v1")
    assert sorted(e["callback_id"] for e in events) == sorted([offer["id"], later["id"]])
    assert {e["reason"] for e in events} == {"consent-withdrawn"}
    sweep = cb.sweep(utcnow())
    assert ([str(i) for i in sweep.started], sweep.cancelled) == ([asked["id"]], [])
    [connect] = cb.events("routing.callback.connect.v1")
    assert (connect["callback_id"], connect["purpose"]) == (asked["id"], "service")


def test_the_sweep_never_dials_a_marketing_callback_without_consent(cb: Callbacks) -> None:
    """The sweep checks again: a consent the read model no longer holds (it was erased with
    the contact's data) cancels the callback instead of dialling it."""
    cb.agent(skills={"ski": 5})
    contact_id = cb.contact(phones=(PHONE,))
    give(cb, contact_id, True, T0)
    offer = cb.create(
        phone=None, contact_id=str(contact_id), purpose="marketing", **window(start_in=-1)
    )
    with cb.engine.begin() as conn:
        conn.execute(text("DELETE FROM known_consents"))

    sweep = cb.sweep(utcnow())

    assert ([str(i) for i in sweep.cancelled], sweep.started) == ([offer["id"]], [])
    assert cb.get(offer["id"])["cancel_reason"] == "consent-withdrawn"
    assert cb.events("routing.callback.connect.v1") == []
    assert cb.sweep(utcnow()).cancelled == []  # finished: never looked at again


def test_a_marketing_callback_with_consent_is_dialled_like_any_other(cb: Callbacks) -> None:
    agent = cb.agent(skills={"ski": 5})
    contact_id = cb.contact(phones=(PHONE,))
    give(cb, contact_id, True, T0)
    offer = cb.create(
        phone=None, contact_id=str(contact_id), purpose="marketing", **window(start_in=-1)
    )
    assert [str(i) for i in cb.sweep(utcnow()).started] == [offer["id"]]
    [connect] = cb.events("routing.callback.connect.v1")
    assert (connect["agent_id"], connect["customer_number"], connect["purpose"]) == (
        agent["id"], PHONE, "marketing",
    )  # fmt: skip


def test_a_callback_cancelled_on_request_has_no_reason(cb: Callbacks) -> None:
    created = cb.create()
    response = cb.http.post(f"/v1/callbacks/{created['id']}/cancel", headers=cb.admin)
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["cancel_reason"]) == ("cancelled", None)
    [event] = cb.events("routing.callback.cancelled.v1")
    assert event["reason"] is None
