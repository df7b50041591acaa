"""Catalog and order events reach `crm.orders` on the real broker through the outbox relay."""

import json
import time
import uuid
from typing import Any

import httpx
from kafka import KafkaConsumer

from crm_common.broker import LocalBroker
from crm_common.events.orders import TOPIC
from crm_common.kafka import ensure_topics, make_consumer

ADDRESS = {"line1": "1 Main Street", "postal_code": "10115", "city": "Berlin", "country": "DE"}


def read_events(
    consumer: KafkaConsumer, subject: str, wanted: int, timeout: float = 30
) -> list[dict[str, Any]]:
    """CloudEvents about `subject`, in order, until `wanted` arrived or `timeout` passed."""
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(found) < wanted and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            for record in records:
                event = json.loads(record.value)
                if event["subject"] == subject:
                    assert record.key == subject.encode()
                    found.append(event)
    return found


def test_product_events_reach_the_broker(
    client: httpx.Client, admin: dict[str, str], api: Any, broker: LocalBroker
) -> None:
    ensure_topics(broker.bootstrap, [TOPIC])
    consumer = make_consumer(broker.bootstrap, f"orders-test-{uuid.uuid4()}", [TOPIC])
    try:
        product = api.create_product(capacity=3)
        client.patch(
            f"/v1/products/{product['id']}",
            json={"base_price": "120.00", "name": "Lumen 2"},
            headers={**admin, "X-Request-ID": "req-product-2"},
        )
        events = read_events(consumer, product["id"], 2)
    finally:
        consumer.close()
    assert [e["type"] for e in events] == [
        "orders.product.created.v1",
        "orders.product.updated.v1",
    ]
    assert {(e["source"], e["specversion"]) for e in events} == {("orders", "1.0")}
    created, updated = (e["data"] for e in events)
    assert (created["product"]["sku"], created["product"]["base_price"]) == ("LUM-100", "100.00")
    assert created["product"]["capacity"] == 3
    assert created["product"]["options"][0]["values"][1] == {"code": "F2", "price_delta": "20.00"}
    assert updated["changed_fields"] == ["base_price", "name"]
    assert (updated["product"]["base_price"], updated["product"]["version"]) == ("120.00", 2)
    assert events[1]["correlationid"] == "req-product-2"


def test_order_events_carry_the_whole_order(
    client: httpx.Client,
    admin: dict[str, str],
    api: Any,
    broker: LocalBroker,
    as_role: Any,
) -> None:
    ensure_topics(broker.bootstrap, [TOPIC])
    consumer = make_consumer(broker.bootstrap, f"orders-test-{uuid.uuid4()}", [TOPIC])
    try:
        product = api.create_product(capacity=10)
        draft = client.post(
            "/v1/orders",
            json={
                "contact_id": "0190f0c4-1a2b-7c3d-8e4f-001122334455",
                "currency": "EUR",
                "lines": [
                    {
                        "product_id": product["id"],
                        "options": {"fixture": "F2", "lamp": "L2"},
                        "quantity": 2,
                    }
                ],
                "delivery_address": ADDRESS,
                "draft": True,
            },
            headers=admin,
        ).json()
        order_id = draft["id"]
        client.post(
            f"/v1/orders/{order_id}/place", headers={**admin, "X-Request-ID": "req-place-1"}
        )
        client.patch(
            f"/v1/orders/{order_id}",
            json={"delivery_address": {**ADDRESS, "city": "Potsdam"}},
            headers=admin,
        )
        client.post(
            f"/v1/integrations/erp/orders/{order_id}/status",
            json={
                "status": "confirmed",
                "erp_event_id": "erp-1",
                "occurred_at": "2026-01-01T10:00:00Z",
                "erp_order_number": "SO-9",
            },
            headers=as_role("erp"),
        )
        client.post(f"/v1/orders/{order_id}/cancel", json={"reason": "duplicate"}, headers=admin)
        events = read_events(consumer, order_id, 5)
    finally:
        consumer.close()
    assert [e["type"] for e in events] == [
        "orders.order.placed.v1",
        "orders.order.amended.v1",
        "orders.order.status_changed.v1",
        "orders.order.cancelled.v1",
        "orders.order.status_changed.v1",
    ]
    placed, amended, confirmed, cancelled, status_cancelled = (e["data"] for e in events)
    assert events[0]["correlationid"] == "req-place-1"
    order = placed["order"]
    assert (order["number"], order["status"], order["customer_reference"]) == (
        "R-000001",
        "placed",
        "0190f0c4-1a2b-7c3d-8e4f-001122334455",
    )
    assert order["lines"] == [
        {
            "line_no": 1,
            "product_id": product["id"],
            "sku": "LUM-100",
            "name": "Lumen street light",
            "category": "lighting",
            "options": {"fixture": "F2", "lamp": "L2"},
            "quantity": 2,
            "unit_price": "125.50",
            "discount_percent": "0.00",
            "line_total": "251.00",
        }
    ]
    assert (order["subtotal"], order["total"], order["currency"]) == ("251.00", "251.00", "EUR")
    assert order["delivery_address"]["city"] == "Berlin"
    assert amended["changed_fields"] == ["delivery_address"]
    assert amended["order"]["delivery_address"]["city"] == "Potsdam"
    assert (confirmed["from_status"], confirmed["to_status"], confirmed["source"]) == (
        "placed",
        "confirmed",
        "erp",
    )
    assert (confirmed["erp_order_number"], confirmed["occurred_at"]) == (
        "SO-9",
        "2026-01-01T10:00:00Z",
    )
    assert (cancelled["reason"], cancelled["order"]["status"]) == ("duplicate", "cancelled")
    assert (status_cancelled["from_status"], status_cancelled["to_status"]) == (
        "confirmed",
        "cancelled",
    )
    assert status_cancelled["source"] == "staff"
