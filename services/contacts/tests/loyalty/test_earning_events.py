"""Earning from `orders.order.status_changed.v1` on the real broker: the running service's consumer
credits a delivered order's points once, for the contact (or its survivor), and nothing otherwise."""

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from kafka import KafkaProducer
from sqlalchemy import Engine, text

from crm_common.events import orders
from crm_common.events.envelope import CloudEvent
from crm_common.testing import send_event
from crm_contacts.handlers import GROUP

DELIVERED_AT = datetime(2030, 3, 2, 8, 0, tzinfo=UTC)


def status_changed(
    contact_id: str, order_id: uuid.UUID, to_status: str, **extra: Any
) -> CloudEvent:
    change = orders.OrderStatusChanged.model_validate(
        {
            "order_id": order_id,
            "number": "R-000777",
            "contact_id": contact_id,
            "from_status": "shipped" if to_status == "delivered" else "delivered",
            "to_status": to_status,
            "occurred_at": DELIVERED_AT,
            "source": "erp",
            **extra,
        }
    )
    return CloudEvent.wrap(change, source="orders", subject=str(order_id), correlation_id="req-9")


def processed(engine: Engine, event: CloudEvent) -> bool:
    with engine.connect() as conn:
        query = text("SELECT COUNT(*) FROM processed_events WHERE consumer = :c AND event_id = :e")
        event_id = event.id.hex if engine.dialect.name == "sqlite" else event.id
        return conn.execute(query, {"c": GROUP, "e": event_id}).scalar_one() == 1


def wait_for(engine: Engine, events: list[CloudEvent], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not all(processed(engine, e) for e in events):
        assert time.monotonic() < deadline, "timed out waiting for the consumer"
        time.sleep(0.1)


def ledger(client: httpx.Client, admin: dict[str, str], contact_id: str) -> list[Any]:
    response = client.get(f"/v1/contacts/{contact_id}/loyalty/entries", headers=admin)
    assert response.status_code == 200, response.text
    return [
        (e["kind"], e["points"], e["order_id"], e["reason"], e["expires_at"])
        for e in response.json()["items"]
    ]


def test_a_delivered_order_earns_once_however_often_it_is_told(
    client: httpx.Client, admin: dict[str, str], api: Any, engine: Engine, producer: KafkaProducer
) -> None:
    contact = api.create_contact()["id"]
    order = uuid.uuid4()
    delivered = status_changed(contact, order, "delivered", total="120.50", currency="EUR")
    events = [
        send_event(producer, delivered),
        send_event(producer, delivered),  # redelivery of the same envelope
        # The ERP reports the delivery again (a new event), then a cancellation after it.
        send_event(
            producer, status_changed(contact, order, "delivered", total="120.50", currency="EUR")
        ),
        send_event(
            producer, status_changed(contact, order, "cancelled", total="120.50", currency="EUR")
        ),
    ]

    wait_for(engine, events)

    assert ledger(client, admin, contact) == [
        ("earn", 120, str(order), "Order R-000777 delivered", "2031-03-02T08:00:00Z")
    ]
    summary = client.get(f"/v1/contacts/{contact}/loyalty", headers=admin).json()
    assert (summary["balance"], summary["earned_points"]) == (120, 120)


def test_only_deliveries_with_a_total_in_a_listed_currency_earn(
    client: httpx.Client,
    admin: dict[str, str],
    api: Any,
    engine: Engine,
    producer: KafkaProducer,
    count: Callable[[str], int],
) -> None:
    contact = api.create_contact()["id"]
    events = [
        send_event(producer, status_changed(contact, uuid.uuid4(), "delivered")),
        send_event(
            producer,
            status_changed(contact, uuid.uuid4(), "delivered", total="80.00", currency="CHF"),
        ),
        send_event(
            producer,
            status_changed(contact, uuid.uuid4(), "shipped", total="80.00", currency="EUR"),
        ),
        send_event(
            producer,
            status_changed(contact, uuid.uuid4(), "delivered", total="0.99", currency="USD"),
        ),
    ]

    wait_for(engine, events)

    assert count("loyalty_entries") == 0
    assert ledger(client, admin, contact) == []


def test_the_survivor_of_a_merge_earns_and_unknown_contacts_are_skipped(
    client: httpx.Client,
    admin: dict[str, str],
    api: Any,
    engine: Engine,
    producer: KafkaProducer,
    count: Callable[[str], int],
) -> None:
    survivor = api.create_contact(first_name="Ada")["id"]
    duplicate = api.create_contact(first_name="Ada L.")["id"]
    merged = client.post(
        f"/v1/contacts/{survivor}/merge", json={"duplicate_id": duplicate}, headers=admin
    )
    assert merged.status_code == 200, merged.text
    order = uuid.uuid4()
    events = [
        send_event(
            producer,
            status_changed(
                str(uuid.uuid4()), uuid.uuid4(), "delivered", total="50", currency="EUR"
            ),
        ),
        send_event(
            producer, status_changed(duplicate, order, "delivered", total="75.00", currency="USD")
        ),
    ]

    wait_for(engine, events)

    assert ledger(client, admin, survivor) == [
        ("earn", 75, str(order), "Order R-000777 delivered", "2031-03-02T08:00:00Z")
    ]
    assert count("loyalty_accounts") == 1
