"""Events published on the real broker reach a partner's receiver: the consumer stores each once
and queues it, the delivery worker POSTs it signed; and a gateway started with its workers does it
all by itself."""

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from kafka import KafkaProducer
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from crm_common.broker import LocalBroker
from crm_common.testing import send_event
from crm_common.webhooks import verify
from crm_gateway.config import GatewaySettings
from crm_gateway.webhooks.consumer import WebhookEventsConsumer
from crm_gateway.webhooks.models import WebhookDelivery, WebhookEvent
from crm_gateway.webhooks.worker import DeliveryWorker

from ..helpers import Running
from .conftest import WEBHOOK_SETTINGS
from .support import Receiver, erased, status_changed


def wait_for(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


def stored(engine: Engine, event_id: uuid.UUID) -> WebhookEvent | None:
    with Session(engine) as session:
        return session.get(WebhookEvent, event_id)


def group() -> str:
    """A consumer group of its own, reading every topic from the start."""
    return f"gateway-webhooks-{uuid.uuid4().hex[:8]}"


def test_a_published_event_is_stored_once_and_delivered_signed(
    hook: Receiver,
    subscribe: Callable[..., dict[str, Any]],
    producer: KafkaProducer,
    broker: LocalBroker,
    engine: Engine,
    settings: GatewaySettings,
) -> None:
    subscription = subscribe(hook.url, "orders.order.status_changed.v1")
    contact_id = uuid.uuid4()
    event = status_changed(contact_id)
    send_event(producer, event, "crm.orders")
    send_event(producer, event, "crm.orders")  # a redelivery: stored and queued once
    # A later event of the same order (its key, so its partition): once it is stored, the
    # redelivery before it was consumed too. Other partitions may lag behind, on a topic that
    # holds the whole session's events.
    marker = status_changed(uuid.uuid4()).model_copy(update={"subject": event.subject})
    send_event(producer, marker, "crm.orders")
    consumer = WebhookEventsConsumer(
        engine,
        settings.model_copy(
            update={"kafka_bootstrap_servers": broker.bootstrap, "webhook_group": group()}
        ),
    )
    consumer.start()
    try:
        wait_for(lambda: stored(engine, marker.id) is not None, timeout=60)
    finally:
        consumer.stop()

    # The session's broker holds other tests' status changes too, each queued for this
    # subscription: a pass sends a bounded batch, so pass until nothing is due, with a worker
    # patient enough that hundreds of deliveries to one receiver do not disable the subscription.
    patient = DeliveryWorker(
        engine,
        settings.model_copy(
            update={
                "webhook_disable_after_failures": 100_000,
                "webhook_max_attempts": 20,
                "webhook_timeout_seconds": 15.0,
            }
        ),
    )
    try:
        while patient.deliver_due(datetime.now(UTC) + timedelta(minutes=5)):
            pass
    finally:
        patient.stop()

    [(headers, body)] = hook.of(event.id)
    assert json.loads(body) == event.model_dump(mode="json")
    assert verify(subscription["secret"], headers["x-rapport-signature"], body, 60)
    kept = stored(engine, event.id)
    assert kept is not None
    assert (kept.type, kept.subject, kept.contact_id) == (event.type, event.subject, contact_id)
    assert json.loads(kept.envelope) == json.loads(body)
    with Session(engine) as session:
        queued = session.exec(
            select(WebhookDelivery).where(col(WebhookDelivery.event_id) == event.id)
        ).all()
    assert [d.status for d in queued] == ["delivered"]


def test_a_gateway_with_its_workers_delivers_by_itself(
    hook: Receiver,
    subscribe: Callable[..., dict[str, Any]],
    producer: KafkaProducer,
    broker: LocalBroker,
    start_gateway: Callable[..., Running],
    client: httpx.Client,
    partner: dict[str, str],
) -> None:
    subscription = subscribe(hook.url, "contacts.contact.erased.v1")
    start_gateway(
        **(
            WEBHOOK_SETTINGS
            | {
                "webhook_enabled": True,
                "webhook_poll_seconds": 0.05,
                "webhook_group": group(),
                "kafka_bootstrap_servers": broker.bootstrap,
            }
        )
    )
    event = erased(uuid.uuid4())

    send_event(producer, event, "crm.contacts")

    [(headers, body)] = wait_for(lambda: hook.of(event.id))
    assert verify(subscription["secret"], headers["x-rapport-signature"], body, 60)
    path = f"/v1/webhooks/{subscription['id']}/deliveries"

    def delivered() -> list[Any]:
        items = client.get(path, headers=partner).json()["items"]
        return [d for d in items if d["event_id"] == str(event.id) and d["status"] == "delivered"]

    [logged] = wait_for(delivered)
    assert (logged["event_type"], logged["attempt_count"]) == ("contacts.contact.erased.v1", 1)
