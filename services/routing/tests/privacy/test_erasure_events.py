"""Erasure over the real broker: `contacts.contact.erased.v1` on `crm.contacts` reaches the
service's consumer, and `routing.erasure.completed.v1` comes out on `crm.routing` through the
outbox; `contacts.consent.changed.v1` feeds the consents read model the same way."""

import json
import time
import uuid
from typing import Any

import httpx
from kafka import KafkaProducer
from sqlalchemy import Engine, text

from crm_common.broker import LocalBroker
from crm_common.events import contacts, routing
from crm_common.kafka import make_consumer
from crm_common.testing import publish

from .conftest import PHONE, T0, consent, person


def wait_for(check: Any, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def test_an_erased_contact_is_confirmed_on_crm_routing(
    client: httpx.Client, engine: Engine, producer: KafkaProducer, broker: LocalBroker
) -> None:
    contact_id, request_id = uuid.uuid4(), uuid.uuid4()
    publish(producer, contacts.ContactCreated(contact=person(contact_id, (PHONE,))), contact_id)
    publish(producer, consent(contact_id, True, T0), contact_id)

    def consents() -> int:
        with engine.connect() as conn:
            sql = "SELECT COUNT(*) FROM known_consents WHERE purpose = 'phone'"
            return int(conn.execute(text(sql)).scalar_one())

    wait_for(consents)
    erased = contacts.ContactErased(contact_id=contact_id, request_id=request_id, requested_at=T0)
    publish(producer, erased, contact_id)

    consumer = make_consumer(broker.bootstrap, f"privacy-test-{uuid.uuid4()}", [routing.TOPIC])
    try:

        def confirmed() -> dict[str, Any] | None:
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    event = json.loads(record.value)
                    ours = event["data"].get("request_id") == str(request_id)
                    if event["type"] == routing.ErasureCompleted.event_type and ours:
                        return dict(event)
            return None

        event = wait_for(confirmed)
    finally:
        consumer.close()
    assert event["subject"] == str(contact_id)
    assert event["data"] == {
        "request_id": str(request_id), "contact_id": str(contact_id),
        "completed_at": event["data"]["completed_at"], "records": 3,  # contact, phone, consent
    }  # fmt: skip
    with engine.connect() as conn:
        left = [
            int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())
            for table in ("known_contacts", "known_phones", "known_consents")
        ]
    assert left == [0, 0, 0]
