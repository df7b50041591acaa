"""The sales half's events reach `crm.orders` on the real broker through the outbox relay."""

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
    consumer: KafkaConsumer, subjects: set[str], wanted: int, timeout: float = 30
) -> list[dict[str, Any]]:
    """CloudEvents about `subjects`, in order, until `wanted` arrived or `timeout` passed."""
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(found) < wanted and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            for record in records:
                event = json.loads(record.value)
                if event["subject"] in subjects:
                    assert record.key == event["subject"].encode()
                    found.append(event)
    return found


def test_deal_events_reach_the_broker(
    client: httpx.Client, admin: dict[str, str], sales: Any, api: Any, broker: LocalBroker
) -> None:
    ensure_topics(broker.bootstrap, [TOPIC])
    consumer = make_consumer(broker.bootstrap, f"orders-sales-test-{uuid.uuid4()}", [TOPIC])
    try:
        rule = sales.create_rule(when={"stage": "quote_sent", "amount_gt": "100"})
        product = api.create_product()
        created = client.post(
            "/v1/opportunities",
            json={
                "contact_id": "0190f0c4-1a2b-7c3d-8e4f-001122334455",
                "title": "Lights",
                "amount": "200",
                "currency": "EUR",
                "owner_id": "agent-7",
            },
            headers={**admin, "X-Request-ID": "req-opp-1"},
        ).json()
        quote = sales.create_quote(created["id"], product["id"])
        client.post(
            f"/v1/quotes/{quote['id']}/send", headers={**admin, "X-Request-ID": "req-send-1"}
        )
        accepted = client.post(
            f"/v1/quotes/{quote['id']}/accept",
            json={"delivery_address": ADDRESS},
            headers={**admin, "X-Request-ID": "req-accept-1"},
        ).json()
        lost = sales.create_opportunity()
        sales.move(lost["id"], "lost", lost_reason="No budget")
        events = read_events(consumer, {created["id"], quote["id"], lost["id"]}, 9)
    finally:
        consumer.close()

    # Each aggregate's events are in order (one partition per key); across aggregates, any order.
    deal = [e for e in events if e["subject"] == created["id"]]
    quoted = [e for e in events if e["subject"] == quote["id"]]
    closed = [e for e in events if e["subject"] == lost["id"]]
    assert [(e["type"], e["correlationid"]) for e in deal] == [
        ("orders.opportunity.created.v1", "req-opp-1"),
        ("orders.opportunity.stage_changed.v1", "req-send-1"),
        ("orders.opportunity.stage_changed.v1", "req-accept-1"),
        ("orders.opportunity.won.v1", "req-accept-1"),
    ]
    assert [(e["type"], e["correlationid"]) for e in quoted] == [
        ("orders.quote.sent.v1", "req-send-1"),
        ("orders.quote.accepted.v1", "req-accept-1"),
    ]
    assert [e["type"] for e in closed] == [
        "orders.opportunity.created.v1",
        "orders.opportunity.stage_changed.v1",
        "orders.opportunity.lost.v1",
    ]
    assert {e["source"] for e in events} == {"orders"}
    to_quote_sent = deal[1]["data"]
    assert (
        to_quote_sent["from_stage"],
        to_quote_sent["to_stage"],
        to_quote_sent["changed_by"],
    ) == (
        "initiation",
        "quote_sent",
        "test-key",
    )
    [task] = to_quote_sent["requested_tasks"]
    assert (task["rule_id"], task["assignee_id"], task["contact_id"]) == (
        rule["id"],
        "agent-7",
        created["contact_id"],
    )
    assert deal[0]["data"]["requested_tasks"] == []
    won = deal[3]["data"]
    assert (won["order_id"], won["opportunity"]["stage"], won["opportunity"]["amount"]) == (
        accepted["order_id"],
        "won",
        "200",
    )
    assert (quoted[1]["data"]["order_id"], quoted[1]["data"]["quote"]["total"]) == (
        accepted["order_id"],
        "200.00",
    )
    assert closed[2]["data"]["lost_reason"] == "No budget"
