"""Reactions to `crm.orders` and `crm.routing` on the real broker: the running service's consumer
(group `contacts`) applies real envelopes published with a KafkaProducer, once each, and
dead-letters what it cannot read."""

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from kafka import KafkaProducer
from sqlalchemy import Engine, text

from crm_common.broker import LocalBroker
from crm_common.consumer import dlq_topic
from crm_common.events import contacts as contact_events
from crm_common.events import orders, routing
from crm_common.events.envelope import CloudEvent, EventPayload
from crm_common.kafka import make_consumer
from crm_common.testing import send_event
from crm_contacts.handlers import (
    GROUP,
    call_entry_id,
    chat_entry_id,
    milestone_id,
    spoken_duration,
)

PLACED_AT = datetime(2030, 3, 1, 9, 30, tzinfo=UTC)


def envelope(
    payload: EventPayload, subject: uuid.UUID, correlation_id: str = "req-1"
) -> CloudEvent:
    return CloudEvent.wrap(
        payload, source="orders", subject=str(subject), correlation_id=correlation_id
    )


def order(contact_id: str, number: str = "R-000123", **overrides: Any) -> orders.OrderSnapshot:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "number": number,
        "contact_id": uuid.UUID(contact_id),
        "customer_reference": contact_id,
        "status": "placed",
        "currency": "EUR",
        "lines": [
            {
                "line_no": 1,
                "product_id": uuid.uuid4(),
                "sku": "LAMP-1",
                "name": "Desk lamp",
                "category": "lighting",
                "options": {"lamp": "L1"},
                "quantity": 2,
                "unit_price": Decimal("60.00"),
                "line_total": Decimal("120.00"),
            }
        ],
        "subtotal": Decimal("120.00"),
        "total": Decimal("120.00"),
        "delivery_address": {
            "line1": "1 Main St",
            "postal_code": "10115",
            "city": "Berlin",
            "country": "DE",
        },
        "version": 1,
        "placed_at": PLACED_AT,
        "created_at": PLACED_AT,
        "updated_at": PLACED_AT,
    }
    values.update(overrides)
    return orders.OrderSnapshot.model_validate(values)


def placed(snapshot: orders.OrderSnapshot) -> CloudEvent:
    return envelope(orders.OrderPlaced(order=snapshot), snapshot.id)


def status_changed(
    snapshot: orders.OrderSnapshot, from_status: str, to_status: str, **extra: Any
) -> CloudEvent:
    change = orders.OrderStatusChanged.model_validate(
        {
            "order_id": snapshot.id,
            "number": snapshot.number,
            "contact_id": snapshot.contact_id,
            "from_status": from_status,
            "to_status": to_status,
            "occurred_at": datetime(2030, 3, 2, 8, 0, tzinfo=UTC),
            "source": "erp",
            **extra,
        }
    )
    return envelope(change, snapshot.id)


def opportunity(contact_id: str) -> orders.OpportunitySnapshot:
    return orders.OpportunitySnapshot(
        id=uuid.uuid4(),
        contact_id=uuid.UUID(contact_id),
        title="Lighting for the new office",
        pipeline_id=uuid.uuid4(),
        stage="initiation",
        amount=Decimal("60000.00"),
        currency="EUR",
        version=1,
        created_at=PLACED_AT,
        updated_at=PLACED_AT,
    )


def requested(title: str, **overrides: Any) -> orders.RequestedTask:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "rule_id": uuid.uuid4(),
        "title": title,
        "assignee_id": "manager-1",
        "due_at": datetime(2030, 3, 2, 9, 30, tzinfo=UTC),
    }
    values.update(overrides)
    return orders.RequestedTask.model_validate(values)


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the consumer"
        time.sleep(0.1)


def processed(engine: Engine, event: CloudEvent) -> bool:
    with engine.connect() as conn:
        query = text("SELECT COUNT(*) FROM processed_events WHERE consumer = :c AND event_id = :e")
        # SQLite stores the UUID as 32 hex digits, PostgreSQL as a uuid.
        event_id = event.id.hex if engine.dialect.name == "sqlite" else event.id
        return conn.execute(query, {"c": GROUP, "e": event_id}).scalar_one() == 1


def timeline(client: httpx.Client, admin: dict[str, str], contact_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/v1/contacts/{contact_id}/interactions", headers=admin)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def contact_events_about(
    broker: LocalBroker, subject: str, wanted: int, timeout: float = 20.0
) -> list[dict[str, Any]]:
    consumer = make_consumer(broker.bootstrap, f"reader-{uuid.uuid4()}", [contact_events.TOPIC])
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    try:
        while len(found) < wanted and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=300).values():
                found += [
                    event
                    for event in (json.loads(r.value) for r in records)
                    if event["subject"] == subject
                ]
    finally:
        consumer.close()
    return found


def test_a_placed_order_makes_a_customer_and_enters_the_timeline_once(
    client: httpx.Client,
    admin: dict[str, str],
    api: Any,
    engine: Engine,
    broker: LocalBroker,
    producer: KafkaProducer,
) -> None:
    contact = api.create_contact(lifecycle_stage="prospect")
    snapshot = order(contact["id"])
    event = send_event(producer, placed(snapshot))

    wait_until(lambda: processed(engine, event))

    now = client.get(f"/v1/contacts/{contact['id']}", headers=admin).json()
    assert (now["lifecycle_stage"], now["version"]) == ("customer", 2)
    entries = timeline(client, admin, contact["id"])
    assert [
        (e["id"], e["channel"], e["direction"], e["subject"], e["occurred_at"]) for e in entries
    ] == [
        (
            str(milestone_id(snapshot.id, "placed")),
            "note",
            "inbound",
            "Order R-000123 placed",
            "2030-03-01T09:30:00Z",
        )
    ]
    assert entries[0]["metadata"] == {
        "order_id": str(snapshot.id),
        "number": "R-000123",
        "status": "placed",
        "total": "120.00",
        "currency": "EUR",
    }

    # Redelivery of the same envelope is a no-op; the next event behind it on the partition shows
    # the consumer has moved past it.
    send_event(producer, event)
    confirmed = send_event(
        producer, status_changed(snapshot, "placed", "confirmed", erp_order_number="ERP-77")
    )
    wait_until(lambda: processed(engine, confirmed))

    again = client.get(f"/v1/contacts/{contact['id']}", headers=admin).json()
    assert (again["lifecycle_stage"], again["version"]) == ("customer", 2)
    assert [e["subject"] for e in timeline(client, admin, contact["id"])] == [
        "Order R-000123 confirmed",
        "Order R-000123 placed",
    ]
    published = contact_events_about(broker, contact["id"], 4)
    assert [e["type"] for e in published] == [
        "contacts.contact.created.v1",
        "contacts.contact.updated.v1",
        "contacts.interaction.logged.v1",
        "contacts.interaction.logged.v1",
    ]
    # The events the reaction caused carry the correlation id of the order's request.
    assert [e["correlationid"] for e in published[1:]] == ["req-1", "req-1", "req-1"]
    updated = published[1]["data"]
    assert (updated["changed_fields"], updated["contact"]["lifecycle_stage"]) == (
        ["lifecycle_stage"],
        "customer",
    )


def test_customers_and_inactive_contacts_keep_their_stage(
    client: httpx.Client,
    admin: dict[str, str],
    api: Any,
    engine: Engine,
    producer: KafkaProducer,
) -> None:
    customer = api.create_contact(lifecycle_stage="customer")
    inactive = api.create_contact(lifecycle_stage="inactive")
    lead = api.create_contact()
    events = [
        send_event(producer, placed(order(c["id"], number=f"R-{i}")))
        for i, c in enumerate((customer, inactive, lead))
    ]

    wait_until(lambda: all(processed(engine, e) for e in events))

    stages = [
        (now["lifecycle_stage"], now["version"])
        for now in (
            client.get(f"/v1/contacts/{c['id']}", headers=admin).json()
            for c in (customer, inactive, lead)
        )
    ]
    assert stages == [("customer", 1), ("inactive", 1), ("customer", 2)]
    assert [len(timeline(client, admin, c["id"])) for c in (customer, inactive, lead)] == [1, 1, 1]


def test_milestones_of_an_order_and_one_entry_per_cancellation(
    client: httpx.Client,
    admin: dict[str, str],
    api: Any,
    engine: Engine,
    producer: KafkaProducer,
) -> None:
    contact = api.create_contact(lifecycle_stage="customer")
    shipped = order(contact["id"], number="R-1")
    cancelled = order(contact["id"], number="R-2")
    events = [
        send_event(producer, placed(shipped)),
        send_event(producer, status_changed(shipped, "placed", "confirmed")),
        send_event(producer, status_changed(shipped, "confirmed", "in_production")),
        send_event(
            producer,
            status_changed(
                shipped,
                "in_production",
                "shipped",
                tracking={
                    "carrier": "DHL",
                    "number": "JD0001",
                    "url": "https://dhl.example/JD0001",
                },
            ),
        ),
        send_event(producer, placed(cancelled)),
        # The orders service reports a cancellation both ways; the timeline shows it once.
        send_event(producer, status_changed(cancelled, "placed", "cancelled", source="customer")),
        send_event(
            producer,
            envelope(
                orders.OrderCancelled(
                    order=cancelled.model_copy(update={"status": "cancelled"}),
                    reason="changed mind",
                ),
                cancelled.id,
            ),
        ),
    ]

    wait_until(lambda: all(processed(engine, e) for e in events))

    entries = {e["subject"]: e for e in timeline(client, admin, contact["id"])}
    assert sorted(entries) == [
        "Order R-1 confirmed",
        "Order R-1 in production",
        "Order R-1 placed",
        "Order R-1 shipped (DHL JD0001)",
        "Order R-2 cancelled",
        "Order R-2 placed",
    ]
    assert entries["Order R-1 shipped (DHL JD0001)"]["metadata"] == {
        "order_id": str(shipped.id),
        "number": "R-1",
        "status": "shipped",
        "from_status": "in_production",
        "source": "erp",
        "tracking": {"carrier": "DHL", "number": "JD0001", "url": "https://dhl.example/JD0001"},
    }
    assert entries["Order R-2 cancelled"]["metadata"] == {
        "order_id": str(cancelled.id),
        "number": "R-2",
        "status": "cancelled",
        "from_status": "placed",
        "source": "customer",
    }


def test_requested_tasks_are_created_once_under_their_id(
    client: httpx.Client,
    admin: dict[str, str],
    api: Any,
    engine: Engine,
    producer: KafkaProducer,
) -> None:
    contact = api.create_contact()
    deal = opportunity(contact["id"])
    review = requested("Review with a senior manager")
    call = requested("Call the buyer", kind="call", assignee_id=None, due_at=None)
    created = send_event(
        producer,
        envelope(orders.OpportunityCreated(opportunity=deal, requested_tasks=[review]), deal.id),
    )
    moved = send_event(
        producer,
        envelope(
            orders.OpportunityStageChanged(
                opportunity=deal.model_copy(update={"stage": "rfq_received", "version": 2}),
                from_stage="initiation",
                to_stage="rfq_received",
                changed_by="agent-7",
                requested_tasks=[review, call],
            ),
            deal.id,
        ),
    )
    send_event(producer, created)  # redelivered

    wait_until(lambda: processed(engine, created) and processed(engine, moved))
    send_event(producer, moved)  # redelivered once more, after it was applied
    # An event behind the redelivery on the same partition (same key) shows it was passed.
    sentinel = send_event(
        producer,
        envelope(
            orders.OpportunityStageChanged(
                opportunity=deal.model_copy(update={"stage": "quote_sent", "version": 3}),
                from_stage="rfq_received",
                to_stage="quote_sent",
                changed_by="agent-7",
            ),
            deal.id,
        ),
    )
    wait_until(lambda: processed(engine, sentinel))

    listed = client.get("/v1/tasks", params={"contact_id": contact["id"]}, headers=admin).json()
    tasks = {t["id"]: t for t in listed["items"]}
    assert sorted(tasks) == sorted([str(review.id), str(call.id)])
    assert {
        k: tasks[str(review.id)][k]
        for k in ("title", "kind", "contact_id", "assignee_id", "due_at", "status")
    } == {
        "title": "Review with a senior manager",
        "kind": "todo",
        "contact_id": contact["id"],
        "assignee_id": "manager-1",
        "due_at": "2030-03-02T09:30:00Z",
        "status": "open",
    }
    assert (tasks[str(call.id)]["kind"], tasks[str(call.id)]["due_at"]) == ("call", None)


def test_events_about_a_merged_contact_reach_the_survivor(
    client: httpx.Client,
    admin: dict[str, str],
    api: Any,
    engine: Engine,
    producer: KafkaProducer,
) -> None:
    survivor = api.create_contact(first_name="Ada")
    duplicate = api.create_contact(first_name="Ada L.")
    merged = client.post(
        f"/v1/contacts/{survivor['id']}/merge",
        json={"duplicate_id": duplicate["id"]},
        headers=admin,
    )
    assert merged.status_code == 200, merged.text
    snapshot = order(duplicate["id"])
    deal = opportunity(duplicate["id"])
    task = requested("Follow up")
    events = [
        send_event(producer, placed(snapshot)),
        send_event(
            producer,
            envelope(orders.OpportunityCreated(opportunity=deal, requested_tasks=[task]), deal.id),
        ),
    ]

    wait_until(lambda: all(processed(engine, e) for e in events))

    now = client.get(f"/v1/contacts/{survivor['id']}", headers=admin).json()
    assert now["lifecycle_stage"] == "customer"
    assert [e["subject"] for e in timeline(client, admin, survivor["id"])] == [
        "Order R-000123 placed"
    ]
    assert client.get(f"/v1/tasks/{task.id}", headers=admin).json()["contact_id"] == survivor["id"]


def test_events_about_unknown_contacts_are_skipped_not_dead_lettered(
    client: httpx.Client,
    engine: Engine,
    count: Callable[[str], int],
    producer: KafkaProducer,
) -> None:
    stranger = str(uuid.uuid4())
    snapshot = order(stranger)
    deal = opportunity(stranger)
    events = [
        send_event(producer, placed(snapshot)),
        send_event(producer, status_changed(snapshot, "placed", "confirmed")),
        send_event(
            producer,
            envelope(
                orders.OpportunityCreated(opportunity=deal, requested_tasks=[requested("Call")]),
                deal.id,
            ),
        ),
    ]

    wait_until(lambda: all(processed(engine, e) for e in events))

    assert (count("interactions"), count("tasks"), count("outbox")) == (0, 0, 0)


def test_an_unreadable_event_is_dead_lettered_and_the_partition_moves_on(
    client: httpx.Client,
    admin: dict[str, str],
    api: Any,
    engine: Engine,
    broker: LocalBroker,
    producer: KafkaProducer,
) -> None:
    contact = api.create_contact()
    snapshot = order(contact["id"])
    broken = CloudEvent(
        source="orders",
        type=orders.OrderPlaced.event_type,
        subject=str(snapshot.id),
        data={"order": {"id": "not-an-order"}},
    )
    send_event(producer, broken, orders.TOPIC)  # its data is no OrderPlaced
    after = send_event(producer, placed(snapshot))  # same key: behind it on the same partition

    wait_until(lambda: processed(engine, after))

    assert not processed(engine, broken)
    reader = make_consumer(broker.bootstrap, f"dlq-reader-{uuid.uuid4()}", [dlq_topic(GROUP)])
    dead: list[Any] = []
    deadline = time.monotonic() + 20
    try:
        while not dead and time.monotonic() < deadline:
            for records in reader.poll(timeout_ms=300).values():
                dead += [r for r in records if json.loads(r.value)["id"] == str(broken.id)]
    finally:
        reader.close()
    assert len(dead) == 1
    headers = dict(dead[0].headers)
    assert headers["original_topic"] == orders.TOPIC.encode()
    assert headers["error"].startswith(b"ValidationError")
    assert client.get(f"/v1/contacts/{contact['id']}", headers=admin).json()["lifecycle_stage"] == (
        "customer"
    )


RANG_AT = datetime(2030, 3, 1, 10, 0, tzinfo=UTC)
ANSWERED_AT = datetime(2030, 3, 1, 10, 0, 12, 400000, tzinfo=UTC)
ENDED_AT = datetime(2030, 3, 1, 10, 3, 32, 600000, tzinfo=UTC)
AGENT = uuid.UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")


def call_event(payload: routing.CallEnded | routing.CallAbandoned) -> CloudEvent:
    """The routing service's envelope of a finished call (key and subject: the call id)."""
    return CloudEvent.wrap(payload, source="routing", subject=payload.call_id, correlation_id="c-1")


def call_ended(contact_id: str | None, call_id: str = "call-1", **overrides: Any) -> CloudEvent:
    values: dict[str, Any] = {
        "call_id": call_id,
        "agent_id": AGENT,
        "contact_id": contact_id,
        "from_number": "+4930123456",
        "category": "ski",
        "started_at": RANG_AT,
        "answered_at": ANSWERED_AT,
        "ended_at": ENDED_AT,
        "wait_seconds": 12.4,
        "duration_seconds": 200.2,
    }
    values.update(overrides)
    return call_event(routing.CallEnded.model_validate(values))


def call_abandoned(contact_id: str | None, call_id: str = "call-2", **overrides: Any) -> CloudEvent:
    values: dict[str, Any] = {
        "call_id": call_id,
        "contact_id": contact_id,
        "from_number": "+4930123456",
        "started_at": RANG_AT,
        "abandoned_at": datetime(2030, 3, 1, 10, 0, 45, tzinfo=UTC),
        "wait_seconds": 45.0,
    }
    values.update(overrides)
    return call_event(routing.CallAbandoned.model_validate(values))


def test_spoken_durations() -> None:
    assert [spoken_duration(s) for s in (0, 45, 60, 200, 3600, 3725)] == [
        "0 s",
        "45 s",
        "1 min",
        "3 min 20 s",
        "1 h",
        "1 h 2 min 5 s",
    ]


def test_an_ended_call_enters_the_timeline_once_with_duration_and_agent(
    client: httpx.Client,
    admin: dict[str, str],
    api: Any,
    engine: Engine,
    count: Callable[[str], int],
    producer: KafkaProducer,
) -> None:
    contact = api.create_contact()
    event = send_event(producer, call_ended(contact["id"]))

    wait_until(lambda: processed(engine, event))

    entries = timeline(client, admin, contact["id"])
    assert [
        {k: e[k] for k in ("id", "channel", "direction", "occurred_at", "subject", "body")}
        | {k: e[k] for k in ("agent_id", "duration_seconds", "metadata")}
        for e in entries
    ] == [
        {
            "id": str(call_entry_id("call-1")),
            "channel": "call",
            "direction": "inbound",
            "occurred_at": "2030-03-01T10:00:00Z",
            "subject": "Inbound call (3 min 20 s)",
            "body": None,
            "agent_id": str(AGENT),
            "duration_seconds": 200,
            "metadata": {
                "outcome": "answered",
                "call_id": "call-1",
                "from_number": "+4930123456",
                "category": "ski",
                "answered_at": "2030-03-01T10:00:12.400000Z",
                "ended_at": "2030-03-01T10:03:32.600000Z",
                "wait_seconds": 12,
            },
        }
    ]

    # The same envelope redelivered, and the call's end told again in a new envelope (a topic
    # re-read after its events were re-sent under new ids): still one entry. The second is behind
    # the first on the call's partition, so once it is processed both were passed.
    send_event(producer, event)
    retold = send_event(producer, call_ended(contact["id"], duration_seconds=999.0))
    wait_until(lambda: processed(engine, retold))

    again = timeline(client, admin, contact["id"])
    assert [(e["id"], e["duration_seconds"]) for e in again] == [
        (str(call_entry_id("call-1")), 200)
    ]
    # contact.created and one interaction.logged.
    assert (count("interactions"), count("outbox")) == (1, 2)


def test_an_abandoned_call_is_a_missed_call(
    client: httpx.Client,
    admin: dict[str, str],
    api: Any,
    engine: Engine,
    producer: KafkaProducer,
) -> None:
    contact = api.create_contact()
    offered = send_event(producer, call_abandoned(contact["id"], agent_id=AGENT, category="ski"))
    queued = send_event(
        producer, call_abandoned(contact["id"], call_id="call-3", wait_seconds=3725.4)
    )
    send_event(producer, offered)  # redelivered

    wait_until(lambda: processed(engine, offered) and processed(engine, queued))

    entries = {e["id"]: e for e in timeline(client, admin, contact["id"])}
    assert sorted(entries) == sorted([str(call_entry_id("call-2")), str(call_entry_id("call-3"))])
    missed = entries[str(call_entry_id("call-2"))]
    assert {
        k: missed[k]
        for k in ("channel", "direction", "occurred_at", "subject", "agent_id", "duration_seconds")
    } == {
        "channel": "call",
        "direction": "inbound",
        "occurred_at": "2030-03-01T10:00:00Z",
        "subject": "Missed call (hung up after 45 s)",
        "agent_id": None,
        "duration_seconds": None,
    }
    assert missed["metadata"] == {
        "outcome": "abandoned",
        "call_id": "call-2",
        "from_number": "+4930123456",
        "category": "ski",
        "abandoned_at": "2030-03-01T10:00:45Z",
        "wait_seconds": 45,
        "offered_to_agent_id": str(AGENT),
    }
    assert entries[str(call_entry_id("call-3"))]["subject"] == (
        "Missed call (hung up after 1 h 2 min 5 s)"
    )


def test_calls_of_a_merged_contact_reach_the_survivor(
    client: httpx.Client,
    admin: dict[str, str],
    api: Any,
    engine: Engine,
    producer: KafkaProducer,
) -> None:
    survivor = api.create_contact(first_name="Ada")
    duplicate = api.create_contact(first_name="Ada L.")
    merged = client.post(
        f"/v1/contacts/{survivor['id']}/merge",
        json={"duplicate_id": duplicate["id"]},
        headers=admin,
    )
    assert merged.status_code == 200, merged.text
    events = [
        send_event(producer, call_ended(duplicate["id"], call_id="call-m1")),
        send_event(producer, call_abandoned(duplicate["id"], call_id="call-m2")),
    ]

    wait_until(lambda: all(processed(engine, e) for e in events))

    assert sorted(
        (e["id"], e["contact_id"], e["subject"]) for e in timeline(client, admin, survivor["id"])
    ) == sorted(
        [
            (str(call_entry_id("call-m1")), survivor["id"], "Inbound call (3 min 20 s)"),
            (str(call_entry_id("call-m2")), survivor["id"], "Missed call (hung up after 45 s)"),
        ]
    )


def test_calls_of_unknown_callers_are_skipped_not_dead_lettered(
    client: httpx.Client,
    engine: Engine,
    count: Callable[[str], int],
    producer: KafkaProducer,
) -> None:
    stranger = str(uuid.uuid4())
    events = [
        send_event(producer, call_ended(stranger, call_id="call-u1")),
        send_event(producer, call_abandoned(stranger, call_id="call-u2")),
        send_event(producer, call_ended(None, call_id="call-u3")),
        send_event(producer, call_abandoned(None, call_id="call-u4")),
    ]

    wait_until(lambda: all(processed(engine, e) for e in events))

    assert (count("interactions"), count("outbox")) == (0, 0)


CHAT_ID = uuid.UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
CHAT_OPENED_AT = datetime(2030, 3, 1, 11, 0, tzinfo=UTC)


def chat_closed(
    contact_id: str | None, chat_id: uuid.UUID = CHAT_ID, **overrides: Any
) -> CloudEvent:
    values: dict[str, Any] = {
        "chat_id": chat_id,
        "agent_id": AGENT,
        "contact_id": contact_id,
        "session_id": "s-1",
        "visitor_id": "v-1",
        "opened_at": CHAT_OPENED_AT,
        "closed_at": datetime(2030, 3, 1, 11, 4, 5, tzinfo=UTC),
        "closed_by": "agent",
        "message_count": 2,
        "transcript": [
            {"author": "visitor", "text": "Is the chalet free?", "sent_at": CHAT_OPENED_AT},
            {
                "author": "agent",
                "text": "Yes, from the 3rd.",
                "sent_at": datetime(2030, 3, 1, 11, 0, 30, tzinfo=UTC),
            },
        ],
    }
    values.update(overrides)
    payload = routing.ChatClosed.model_validate(values)
    return CloudEvent.wrap(payload, source="routing", subject=str(chat_id), correlation_id="c-1")


def test_a_closed_chat_enters_the_timeline_once_with_its_transcript(
    client: httpx.Client,
    admin: dict[str, str],
    api: Any,
    engine: Engine,
    count: Callable[[str], int],
    producer: KafkaProducer,
) -> None:
    contact = api.create_contact()
    event = send_event(producer, chat_closed(contact["id"]))

    wait_until(lambda: processed(engine, event))

    entries = timeline(client, admin, contact["id"])
    assert [
        {k: e[k] for k in ("id", "channel", "direction", "occurred_at", "subject", "body")}
        | {k: e[k] for k in ("agent_id", "duration_seconds", "metadata")}
        for e in entries
    ] == [
        {
            "id": str(chat_entry_id(CHAT_ID)),
            "channel": "chat",
            "direction": "inbound",
            "occurred_at": "2030-03-01T11:00:00Z",
            "subject": "Web chat (4 min 5 s, 2 messages)",
            "body": "Visitor (11:00:00): Is the chalet free?\nAgent (11:00:30): Yes, from the 3rd.",
            "agent_id": str(AGENT),
            "duration_seconds": 245,
            "metadata": {
                "chat_id": str(CHAT_ID),
                "session_id": "s-1",
                "visitor_id": "v-1",
                "closed_at": "2030-03-01T11:04:05Z",
                "closed_by": "agent",
                "message_count": 2,
            },
        }
    ]

    send_event(producer, event)
    retold = send_event(producer, chat_closed(contact["id"], message_count=9))
    wait_until(lambda: processed(engine, retold))

    again = timeline(client, admin, contact["id"])
    assert [(e["id"], e["metadata"]["message_count"]) for e in again] == [
        (str(chat_entry_id(CHAT_ID)), 2)
    ]
    assert (count("interactions"), count("outbox")) == (1, 2)


def test_a_long_chat_transcript_is_cut_with_a_note(
    client: httpx.Client,
    admin: dict[str, str],
    api: Any,
    engine: Engine,
    producer: KafkaProducer,
) -> None:
    contact = api.create_contact()
    line = {"author": "visitor", "text": "x" * 4000, "sent_at": CHAT_OPENED_AT}
    event = send_event(
        producer,
        chat_closed(
            contact["id"], message_count=7, transcript=[line] * 6, transcript_truncated=True
        ),
    )

    wait_until(lambda: processed(engine, event))

    [entry] = timeline(client, admin, contact["id"])
    body = entry["body"].split("\n")
    assert len(body) == 5
    assert body[:4] == ["Visitor (11:00:00): " + "x" * 4000] * 4
    assert body[4] == "[3 more messages not shown]"


def test_chats_of_unknown_visitors_are_skipped(
    client: httpx.Client,
    engine: Engine,
    count: Callable[[str], int],
    producer: KafkaProducer,
) -> None:
    events = [
        send_event(producer, chat_closed(None, chat_id=uuid.uuid4())),
        send_event(producer, chat_closed(str(uuid.uuid4()), chat_id=uuid.uuid4())),
    ]

    wait_until(lambda: all(processed(engine, e) for e in events))

    assert (count("interactions"), count("outbox")) == (0, 0)
