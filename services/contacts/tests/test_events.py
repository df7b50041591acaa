"""Events reach `crm.contacts` on the real broker through the outbox relay."""

import json
import time
import uuid
from typing import Any

import httpx
from kafka import KafkaConsumer

from crm_common.broker import LocalBroker
from crm_common.events.contacts import TOPIC
from crm_common.kafka import ensure_topics, make_consumer


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


def test_contact_events_reach_the_broker(
    client: httpx.Client, admin: dict[str, str], broker: LocalBroker
) -> None:
    ensure_topics(broker.bootstrap, [TOPIC])
    consumer = make_consumer(broker.bootstrap, f"contacts-test-{uuid.uuid4()}", [TOPIC])
    try:
        created = client.post(
            "/v1/contacts",
            json={"kind": "person", "first_name": "Ada", "rating": 5, "staff_comments": "secret"},
            headers={**admin, "X-Request-ID": "req-create-1"},
        ).json()
        updated = client.patch(
            f"/v1/contacts/{created['id']}",
            json={"last_name": "Lovelace", "tags": ["vip"], "rating": 4},
            headers={**admin, "X-Request-ID": "req-update-1"},
        )
        assert updated.status_code == 200
        interaction = client.post(
            f"/v1/contacts/{created['id']}/interactions",
            json={"channel": "call", "direction": "inbound", "duration_seconds": 30},
            headers={**admin, "X-Request-ID": "req-call-1"},
        ).json()

        events = read_events(consumer, created["id"], 3)
    finally:
        consumer.close()

    assert [e["type"] for e in events] == [
        "contacts.contact.created.v1",
        "contacts.contact.updated.v1",
        "contacts.interaction.logged.v1",
    ]
    assert [e["correlationid"] for e in events] == ["req-create-1", "req-update-1", "req-call-1"]
    assert {(e["source"], e["specversion"], e["subject"]) for e in events} == {
        ("contacts", "1.0", created["id"])
    }
    first, second, third = (e["data"] for e in events)
    assert first["contact"]["first_name"] == "Ada"
    assert first["contact"]["version"] == 1
    assert "rating" not in first["contact"] and "staff_comments" not in first["contact"]
    assert second["changed_fields"] == ["last_name", "tags"]
    assert (
        second["contact"]["last_name"],
        second["contact"]["tags"],
        second["contact"]["version"],
    ) == ("Lovelace", ["vip"], 2)
    assert (third["id"], third["channel"], third["duration_seconds"]) == (
        interaction["id"],
        "call",
        30,
    )


def test_merge_consent_and_task_events_reach_the_broker(
    client: httpx.Client, admin: dict[str, str], broker: LocalBroker
) -> None:
    ensure_topics(broker.bootstrap, [TOPIC])
    consumer = make_consumer(broker.bootstrap, f"contacts-test-{uuid.uuid4()}", [TOPIC])
    try:
        survivor = client.post(
            "/v1/contacts", json={"kind": "person", "first_name": "Ada"}, headers=admin
        ).json()
        duplicate = client.post(
            "/v1/contacts", json={"kind": "person", "first_name": "Ada L."}, headers=admin
        ).json()
        merged = client.post(
            f"/v1/contacts/{survivor['id']}/merge",
            json={"duplicate_id": duplicate["id"]},
            headers={**admin, "X-Request-ID": "req-merge-1"},
        )
        assert merged.status_code == 200
        consent = client.put(
            f"/v1/contacts/{survivor['id']}/consents/sms",
            json={"granted": True, "source": "web-form"},
            headers={**admin, "X-Request-ID": "req-consent-1"},
        )
        assert consent.status_code == 200
        task = client.post(
            "/v1/tasks",
            json={"title": "Call back", "contact_id": survivor["id"]},
            headers={**admin, "X-Request-ID": "req-task-1"},
        ).json()
        done = client.patch(
            f"/v1/tasks/{task['id']}",
            json={"status": "done"},
            headers={**admin, "X-Request-ID": "req-task-2"},
        )
        assert done.status_code == 200
        events = read_events(consumer, survivor["id"], 5)
    finally:
        consumer.close()

    assert [e["type"] for e in events] == [
        "contacts.contact.created.v1",
        "contacts.contact.merged.v1",
        "contacts.consent.changed.v1",
        "contacts.task.created.v1",
        "contacts.task.completed.v1",
    ]
    assert [e["correlationid"] for e in events[1:]] == [
        "req-merge-1",
        "req-consent-1",
        "req-task-1",
        "req-task-2",
    ]
    merge, consent_changed, created, completed = (e["data"] for e in events[1:])
    assert (merge["survivor_id"], merge["duplicate_id"]) == (survivor["id"], duplicate["id"])
    assert merge["survivor"]["version"] == 2
    assert (consent_changed["purpose"], consent_changed["granted"], consent_changed["source"]) == (
        "sms",
        True,
        "web-form",
    )
    assert (created["id"], created["title"], created["contact_id"]) == (
        task["id"],
        "Call back",
        survivor["id"],
    )
    assert completed["id"] == task["id"]
    assert completed["completed_at"] == done.json()["completed_at"]
