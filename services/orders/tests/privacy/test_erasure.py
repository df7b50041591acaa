"""`contacts.contact.erased.v1` on the real broker: the running service's consumer (group `orders`)
pseudonymises the contact's orders, quotes and opportunities, rewrites the outbox rows about them,
refuses new orders for the contact, and confirms with `orders.erasure.completed.v1` once per
request, however often the event is delivered."""

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from kafka import KafkaProducer
from sqlalchemy import Engine, text

from crm_common.broker import LocalBroker
from crm_common.events import contacts, orders
from crm_common.events.envelope import CloudEvent
from crm_common.kafka import make_consumer
from crm_common.testing import customer_headers, send_event
from crm_orders.config import OrdersSettings
from crm_orders.handlers import GROUP

REQUESTED_AT = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
NAME = "Jane Roe"
ADDRESS = {
    "name": NAME,
    "line1": "7 Rosenweg",
    "line2": "Hinterhaus",
    "postal_code": "10115",
    "city": "Berlin",
    "region": "BE",
    "country": "DE",
}
PSEUDONYMOUS_ADDRESS = {
    "name": None,
    "line1": "erased",
    "line2": None,
    "postal_code": "erased",
    "city": "erased",
    "region": None,
    "country": "DE",
}
# What must not remain anywhere about the person.
PERSONAL = (NAME, "Jane", "Rosenweg", "Hinterhaus", "10115", "Berlin")


def erased(contact_id: str, request_id: uuid.UUID, correlation_id: str) -> CloudEvent:
    payload = contacts.ContactErased(
        contact_id=uuid.UUID(contact_id), request_id=request_id, requested_at=REQUESTED_AT
    )
    return CloudEvent.wrap(
        payload, source="contacts", subject=contact_id, correlation_id=correlation_id
    )


def processed(engine: Engine, event: CloudEvent) -> bool:
    with engine.connect() as conn:
        query = text("SELECT COUNT(*) FROM processed_events WHERE consumer = :c AND event_id = :e")
        # SQLite stores the UUID as 32 hex digits, PostgreSQL as a uuid.
        event_id = event.id.hex if engine.dialect.name == "sqlite" else event.id
        return conn.execute(query, {"c": GROUP, "e": event_id}).scalar_one() == 1


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the consumer"
        time.sleep(0.1)


def outbox(engine: Engine, keys: list[str]) -> list[dict[str, Any]]:
    """The outbox envelopes keyed by any of `keys`, in order."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT key, envelope FROM outbox ORDER BY seq")).all()
    return [json.loads(row[1]) for row in rows if row[0] in keys]


def published_about(broker: LocalBroker, subject: str, wanted: int) -> list[dict[str, Any]]:
    """Events about `subject` on `crm.orders`, until `wanted` arrived (or 30 s passed)."""
    consumer = make_consumer(broker.bootstrap, f"reader-{uuid.uuid4()}", [orders.TOPIC])
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + 30
    try:
        while len(found) < wanted and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=300).values():
                found += [
                    e for e in (json.loads(r.value) for r in records) if e["subject"] == subject
                ]
    finally:
        consumer.close()
    return found


def records_of(contact: str, api: Any, sales: Any, client: httpx.Client) -> dict[str, Any]:
    """What a customer leaves behind: an order placed with an Idempotency-Key, one cancelled with a
    reason, a won deal whose title names them (its quote rejected once with a reason), a lost one."""
    product = api.create_product(capacity=100)
    body = {
        "contact_id": contact,
        "currency": "EUR",
        "lines": [
            {"product_id": product["id"], "options": {"fixture": "F1", "lamp": "L1"}, "quantity": 2}
        ],
        "delivery_address": ADDRESS,
    }
    placed = client.post("/v1/orders", json=body, headers={**api.headers, "Idempotency-Key": "e-1"})
    assert placed.status_code == 201, placed.text
    cancelled = api.create_order(product["id"], 1, contact_id=contact, delivery_address=ADDRESS)
    gone = client.post(
        f"/v1/orders/{cancelled['id']}/cancel",
        json={"reason": "Jane moved to Hamburg"},
        headers=api.headers,
    )
    assert gone.status_code == 200, gone.text
    deal = sales.create_opportunity(contact_id=contact, title=f"Lights for {NAME}", currency="EUR")
    quote = sales.send_quote(sales.create_quote(deal["id"], product["id"])["id"])
    rejected = client.post(
        f"/v1/quotes/{quote['id']}/reject",
        json={"reason": "Jane wants it cheaper"},
        headers=api.headers,
    )
    assert rejected.status_code == 200, rejected.text
    lost = sales.create_opportunity(contact_id=contact, title="Garden for Jane")
    sales.move(lost["id"], "lost", lost_reason="Jane chose a rival")
    return {
        "placed": placed.json(),
        "cancelled": cancelled,
        "deal": deal,
        "quote": quote,
        "lost": lost,
        "product": product,
        "body": body,
    }


def test_an_erased_contact_is_pseudonymised_and_confirmed_once_per_request(
    client: httpx.Client,
    api: Any,
    sales: Any,
    admin: dict[str, str],
    engine: Engine,
    broker: LocalBroker,
    producer: KafkaProducer,
    service_settings: OrdersSettings,
) -> None:
    contact, bystander = str(uuid.uuid4()), str(uuid.uuid4())
    made = records_of(contact, api, sales, client)
    kept = api.create_order(
        made["product"]["id"], 1, contact_id=bystander, delivery_address=ADDRESS
    )
    order_ids = [made["placed"]["id"], made["cancelled"]["id"]]
    deal_ids = [made["deal"]["id"], made["lost"]["id"]]
    before = {i: client.get(f"/v1/orders/{i}", headers=admin).json() for i in order_ids}

    request_id = uuid.uuid4()
    event = erased(contact, request_id, "req-erase-1")
    send_event(producer, event)
    send_event(producer, event)  # delivered twice
    wait_until(lambda: processed(engine, event))

    # Orders: kept, with amounts, lines and history steps, without the person.
    for order_id in order_ids:
        now = client.get(f"/v1/orders/{order_id}", headers=admin).json()
        then = before[order_id]
        assert now["delivery_address"] == PSEUDONYMOUS_ADDRESS
        assert now["pseudonymised_at"] is not None
        assert (now["contact_id"], now["total"], now["lines"], now["status"]) == (
            contact,
            then["total"],
            then["lines"],
            then["status"],
        )
        assert now["version"] == then["version"] + 1
        assert [(e["status"], e["source"]) for e in now["history"]] == [
            (e["status"], e["source"]) for e in then["history"]
        ]
    cancelled = client.get(f"/v1/orders/{made['cancelled']['id']}", headers=admin).json()
    assert cancelled["cancel_reason"] == "erased"
    assert [e["reason"] for e in cancelled["history"]] == [None, "erased"]

    # Quotes and deals: kept, free text replaced.
    quote = client.get(f"/v1/quotes/{made['quote']['id']}", headers=admin).json()
    assert (quote["status"], quote["reject_reason"], quote["total"]) == (
        "rejected",
        "erased",
        made["quote"]["total"],
    )
    deal = client.get(f"/v1/opportunities/{made['deal']['id']}", headers=admin).json()
    assert (deal["title"], deal["stage"], deal["lost_reason"]) == ("erased", "quote_sent", None)
    lost = client.get(f"/v1/opportunities/{made['lost']['id']}", headers=admin).json()
    assert (lost["title"], lost["stage"], lost["lost_reason"]) == ("erased", "lost", "erased")
    history = client.get(f"/v1/opportunities/{made['lost']['id']}/history", headers=admin).json()
    assert [(e["stage"], e["lost_reason"]) for e in history["items"]] == [
        ("initiation", None),
        ("lost", "erased"),
    ]

    # The bystander's order is untouched.
    other = client.get(f"/v1/orders/{kept['id']}", headers=admin).json()
    assert (other["delivery_address"]["name"], other["pseudonymised_at"]) == (NAME, None)

    # The outbox rows about the records keep their ids and types, and no personal data.
    envelopes = outbox(engine, order_ids + deal_ids)
    assert [e["type"] for e in envelopes] == [
        "orders.order.placed.v1",
        "orders.order.placed.v1",
        "orders.order.cancelled.v1",
        "orders.order.status_changed.v1",
        "orders.opportunity.created.v1",
        "orders.opportunity.stage_changed.v1",
        "orders.opportunity.created.v1",
        "orders.opportunity.stage_changed.v1",
        "orders.opportunity.lost.v1",
    ]
    text_of_rows = json.dumps(envelopes)
    assert [word for word in PERSONAL if word in text_of_rows] == []
    reference = f"erased:{uuid.uuid5(uuid.UUID('3a7c1e52-9b4d-5f08-8e6a-2c1d7f9b0a35'), contact)}"
    for envelope in envelopes[:3]:
        assert envelope["data"]["order"]["delivery_address"] == PSEUDONYMOUS_ADDRESS
        assert envelope["data"]["order"]["customer_reference"] == reference
        orders.OrderSnapshot.model_validate(envelope["data"]["order"])
    assert envelopes[2]["data"]["reason"] == "erased"
    assert [e["data"]["opportunity"]["title"] for e in envelopes[4:]] == ["erased"] * 5
    assert envelopes[8]["data"]["lost_reason"] == "erased"
    assert "Jane" in json.dumps(outbox(engine, [kept["id"]]))  # only the erased contact's rows

    # A replayed creation answers the pseudonymised order.
    replay = client.post(
        "/v1/orders", json=made["body"], headers={**api.headers, "Idempotency-Key": "e-1"}
    )
    assert (replay.status_code, replay.headers["Idempotent-Replayed"]) == (201, "true")
    assert replay.json()["delivery_address"] == PSEUDONYMOUS_ADDRESS

    # Nothing new is recorded for the contact.
    refused = [
        client.post(
            "/v1/orders", json={**made["body"], "delivery_address": ADDRESS}, headers=admin
        ),
        client.post(
            "/v1/me/orders",
            json={k: v for k, v in made["body"].items() if k != "contact_id"},
            headers=customer_headers(service_settings.internal_secret, contact),
        ),
        client.patch(
            f"/v1/orders/{made['placed']['id']}", json={"delivery_address": ADDRESS}, headers=admin
        ),
    ]
    for answer in refused:
        assert answer.status_code == 410, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert (problem["title"], problem["contact_id"]) == ("The contact was erased", contact)
    listed = client.get("/v1/orders", params={"contact_id": contact}, headers=admin).json()
    assert len(listed["items"]) == 2

    # A second request for the contact: nothing changes, and it is confirmed too.
    second_request = uuid.uuid4()
    again = erased(contact, second_request, "req-erase-2")
    send_event(producer, again)
    wait_until(lambda: processed(engine, again))
    assert client.get(f"/v1/orders/{order_ids[0]}", headers=admin).json()["version"] == (
        before[order_ids[0]]["version"] + 1
    )

    confirmations = outbox(engine, [contact])
    assert [(e["type"], e["correlationid"]) for e in confirmations] == [
        ("orders.erasure.completed.v1", "req-erase-1"),
        ("orders.erasure.completed.v1", "req-erase-2"),
    ]
    first = confirmations[0]["data"]
    assert (first["request_id"], first["contact_id"], first["records"]) == (
        str(request_id),
        contact,
        5,
    )
    assert confirmations[1]["data"]["request_id"] == str(second_request)
    assert confirmations[1]["data"]["records"] == 5
    on_the_broker = published_about(broker, contact, 2)
    assert [(e["type"], e["data"]["request_id"]) for e in on_the_broker] == [
        ("orders.erasure.completed.v1", str(request_id)),
        ("orders.erasure.completed.v1", str(second_request)),
    ]


def test_erasing_a_contact_without_records_confirms_with_none(
    client: httpx.Client, engine: Engine, producer: KafkaProducer
) -> None:
    contact = str(uuid.uuid4())
    event = erased(contact, uuid.uuid4(), "req-erase-3")
    send_event(producer, event)
    wait_until(lambda: processed(engine, event))
    [confirmation] = outbox(engine, [contact])
    assert (confirmation["type"], confirmation["source"], confirmation["subject"]) == (
        "orders.erasure.completed.v1",
        "orders",
        contact,
    )
    assert (confirmation["data"]["records"], confirmation["data"]["contact_id"]) == (0, contact)
