"""Erasure confirmations (`orders.erasure.completed.v1`, `routing.erasure.completed.v1`) complete
the request, applied by the handlers directly and by the running consumer on the real broker; and
events about an erased contact change nothing."""

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from kafka import KafkaProducer
from sqlalchemy import Engine

from crm_common.db import transaction
from crm_common.events import orders, routing
from crm_common.events.envelope import CloudEvent, EventPayload
from crm_common.testing import send_event
from crm_contacts.contacts.models import Contact
from crm_contacts.handlers import HANDLERS

Count = Callable[[str], int]
ORDERS_DONE = datetime(2030, 5, 1, 10, 0, tzinfo=UTC)
ROUTING_DONE = datetime(2030, 5, 1, 10, 5, tzinfo=UTC)


def confirmation(
    service: str, request: dict[str, Any], completed_at: datetime, **overrides: Any
) -> CloudEvent:
    values: dict[str, Any] = {
        "request_id": request["id"],
        "contact_id": request["contact_id"],
        "completed_at": completed_at,
        "records": 3,
        **overrides,
    }
    payload: EventPayload = (
        orders.ErasureCompleted.model_validate(values)
        if service == "orders"
        else routing.ErasureCompleted.model_validate(values)
    )
    return CloudEvent.wrap(
        payload, source=service, subject=request["contact_id"], correlation_id="req-9"
    )


def deliver(engine: Engine, event: CloudEvent) -> None:
    """Apply `event` as the consumer does: its handler in one transaction."""
    with transaction(engine) as session:
        HANDLERS[event.type](session, event)


def progress(client: httpx.Client, admin: dict[str, str], contact_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/contacts/{contact_id}/erasure", headers=admin)
    assert response.status_code == 200, response.text
    return dict(response.json())


def requested(client: httpx.Client, admin: dict[str, str], api: Any) -> dict[str, Any]:
    contact = api.create_contact()
    response = client.post(f"/v1/contacts/{contact['id']}/erasure", headers=admin)
    assert response.status_code == 202, response.text
    return dict(response.json())


def test_the_last_confirmation_completes_the_request(
    client: httpx.Client, admin: dict[str, str], api: Any, engine: Engine
) -> None:
    request = requested(client, admin, api)
    contact_id = request["contact_id"]

    deliver(engine, confirmation("routing", request, ROUTING_DONE))

    half = progress(client, admin, contact_id)
    assert (half["status"], half["completed_at"]) == ("in_progress", None)
    assert [(s["service"], s["status"], s["completed_at"]) for s in half["services"]] == [
        ("contacts", "completed", request["requested_at"]),
        ("orders", "pending", None),
        ("routing", "completed", "2030-05-01T10:05:00Z"),
    ]

    deliver(engine, confirmation("orders", request, ORDERS_DONE))

    done = progress(client, admin, contact_id)
    assert (done["status"], done["completed_at"]) == ("completed", "2030-05-01T10:05:00Z")
    assert [(s["service"], s["status"], s["completed_at"]) for s in done["services"]] == [
        ("contacts", "completed", request["requested_at"]),
        ("orders", "completed", "2030-05-01T10:00:00Z"),
        ("routing", "completed", "2030-05-01T10:05:00Z"),
    ]

    # Told again (another event id), the request stays as it is.
    deliver(engine, confirmation("orders", request, datetime(2031, 1, 1, tzinfo=UTC)))
    assert progress(client, admin, contact_id) == done


def test_confirmations_that_match_no_request_change_nothing(
    client: httpx.Client, admin: dict[str, str], api: Any, engine: Engine
) -> None:
    request = requested(client, admin, api)
    other = api.create_contact()
    before = progress(client, admin, request["contact_id"])

    deliver(engine, confirmation("orders", request, ORDERS_DONE, request_id=uuid.uuid4()))
    deliver(engine, confirmation("orders", request, ORDERS_DONE, contact_id=other["id"]))

    assert progress(client, admin, request["contact_id"]) == before


def test_events_about_an_erased_contact_are_skipped(
    client: httpx.Client, admin: dict[str, str], api: Any, engine: Engine, count: Count
) -> None:
    request = requested(client, admin, api)
    contact_id = uuid.UUID(request["contact_id"])
    outbox, timeline = count("outbox"), count("interactions")
    at = datetime(2030, 3, 1, 9, 30, tzinfo=UTC)
    placed = orders.OrderPlaced.model_validate(
        {
            "order": {
                "id": uuid.uuid4(),
                "number": "R-1",
                "contact_id": contact_id,
                "customer_reference": str(contact_id),
                "status": "placed",
                "currency": "EUR",
                "lines": [],
                "subtotal": Decimal("10.00"),
                "total": Decimal("10.00"),
                "delivery_address": {
                    "line1": "1 Main St",
                    "postal_code": "10115",
                    "city": "Berlin",
                    "country": "DE",
                },
                "version": 1,
                "placed_at": at,
                "created_at": at,
                "updated_at": at,
            }
        }
    )
    ended = routing.CallEnded.model_validate(
        {
            "call_id": "call-1",
            "contact_id": contact_id,
            "from_number": "+14155550123",
            "agent_id": uuid.uuid4(),
            "started_at": at,
            "answered_at": at,
            "ended_at": at,
            "duration_seconds": 60,
            "wait_seconds": 5,
        }
    )
    for payload, source in ((placed, "orders"), (ended, "routing")):
        deliver(
            engine,
            CloudEvent.wrap(payload, source=source, subject=str(contact_id), correlation_id="r"),
        )

    assert (count("outbox"), count("interactions")) == (outbox, timeline)
    with transaction(engine) as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        assert (contact.lifecycle_stage, contact.version) == ("lead", 2)


def test_the_running_consumer_completes_the_request_from_the_broker(
    client: httpx.Client, admin: dict[str, str], api: Any, producer: KafkaProducer
) -> None:
    request = requested(client, admin, api)

    send_event(producer, confirmation("orders", request, ORDERS_DONE))
    send_event(producer, confirmation("routing", request, ROUTING_DONE))

    deadline = time.monotonic() + 30
    while (now := progress(client, admin, request["contact_id"]))["status"] != "completed":
        assert time.monotonic() < deadline, now
        time.sleep(0.1)
    assert now["completed_at"] == "2030-05-01T10:05:00Z"
    assert [s["status"] for s in now["services"]] == ["completed", "completed", "completed"]
