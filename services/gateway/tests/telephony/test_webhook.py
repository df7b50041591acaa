"""The signed webhook to the telephony platform, end to end: events published on the real broker's
`crm.routing`, the gateway's consumer, and a real HTTP receiver on its own port."""

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from sqlalchemy import Engine
from sqlmodel import Session

from crm_common.broker import LocalBroker
from crm_common.consumer import dlq_topic
from crm_common.events.envelope import CloudEvent
from crm_common.events.routing import TOPIC, CallAssigned, CallEnded
from crm_common.testing import LiveServer, send_event
from crm_common.webhooks import verify
from crm_gateway.db import ProcessedEvent

from ..helpers import Running

SECRET = "telephony-webhook-test-secret-" + uuid.uuid4().hex


class Receiver:
    """The telephony platform's end: records every request and answers from a plan per event id
    (statuses in turn, then 200)."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.plan: dict[str, list[int]] = {}
        self.lock = threading.Lock()
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> Response:
            body = await request.body()
            headers = {k.lower(): v for k, v in request.headers.items()}
            with self.lock:
                self.requests.append((headers, body))
                planned = self.plan.get(headers.get("x-rapport-event-id", ""), [])
                status = planned.pop(0) if planned else 200
            return Response(status_code=status)

        self.server = LiveServer(app)

    @property
    def url(self) -> str:
        return f"{self.server.url}/hook"

    def of(self, event_id: uuid.UUID) -> list[tuple[dict[str, str], bytes]]:
        with self.lock:
            return [r for r in self.requests if r[0].get("x-rapport-event-id") == str(event_id)]


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    running.server.start()
    yield running
    running.server.stop()


@pytest.fixture
def webhook_gateway(
    start_gateway: Callable[..., Running], broker: LocalBroker, receiver: Receiver
) -> Callable[..., str]:
    """Start a gateway delivering to the receiver, as a consumer group of its own (it reads
    `crm.routing` from the start); returns the group."""

    def start(**overrides: Any) -> str:
        group = f"gateway-telephony-{uuid.uuid4().hex[:8]}"
        settings: dict[str, Any] = {
            "kafka_bootstrap_servers": broker.bootstrap,
            "telephony_webhook_url": receiver.url,
            "telephony_webhook_secret": SECRET,
            "telephony_webhook_group": group,
            "telephony_webhook_backoff_seconds": 0.05,
            "telephony_webhook_max_attempts": 3,
            "telephony_webhook_timeout_seconds": 2.0,
        }
        start_gateway(**(settings | overrides))
        return group

    return start


def assigned(call_id: str) -> CloudEvent:
    payload = CallAssigned(
        call_id=call_id,
        agent_id=uuid.UUID("0190a000-0000-7000-8000-0000000000aa"),
        extension="+14155550123",
        from_number="+14155550199",
        category="ski",
        queued_seconds=12.5,
        assigned_at=datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
    )
    return CloudEvent.wrap(payload, source="routing", subject=call_id, correlation_id="req-1")


def ended(call_id: str) -> CloudEvent:
    at = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    payload = CallEnded(
        call_id=call_id,
        agent_id=uuid.UUID("0190a000-0000-7000-8000-0000000000aa"),
        started_at=at,
        answered_at=at,
        ended_at=at,
        wait_seconds=0,
        duration_seconds=0,
    )
    return CloudEvent.wrap(payload, source="routing", subject=call_id, correlation_id=None)


def processed(engine: Engine, group: str, event_id: uuid.UUID) -> bool:
    with Session(engine) as session:
        return session.get(ProcessedEvent, (group, event_id)) is not None


def wait_for(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_an_assigned_call_is_posted_once_and_signed(
    webhook_gateway: Callable[..., str],
    producer: KafkaProducer,
    receiver: Receiver,
    engine: Engine,
) -> None:
    group = webhook_gateway()
    call_id = f"call-{uuid.uuid4().hex[:8]}"
    other, event = ended(call_id), assigned(call_id)
    send_event(
        producer, other, TOPIC
    )  # same key, same partition, read first: not a type the platform gets
    send_event(producer, event, TOPIC)

    [(headers, body)] = wait_for(lambda: receiver.of(event.id))

    assert headers["x-rapport-event-type"] == "routing.call.assigned.v1"
    assert headers["content-type"] == "application/cloudevents+json"
    assert verify(SECRET, headers["x-rapport-signature"], body, tolerance_seconds=60)
    assert not verify("another-secret", headers["x-rapport-signature"], body)
    assert json.loads(body) == event.model_dump(mode="json")
    assert receiver.of(other.id) == []
    wait_for(lambda: processed(engine, group, event.id))
    assert not processed(engine, group, other.id)
    time.sleep(0.5)
    assert len(receiver.of(event.id)) == 1


def test_a_5xx_is_retried_until_the_receiver_takes_it(
    webhook_gateway: Callable[..., str],
    producer: KafkaProducer,
    receiver: Receiver,
    engine: Engine,
) -> None:
    event = assigned(f"call-{uuid.uuid4().hex[:8]}")
    receiver.plan[str(event.id)] = [500]
    group = webhook_gateway()
    send_event(producer, event, TOPIC)

    attempts = wait_for(lambda: len(receiver.of(event.id)) == 2 and receiver.of(event.id))

    bodies = {body for _, body in attempts}
    assert len(bodies) == 1
    assert all(
        verify(SECRET, h["x-rapport-signature"], b, tolerance_seconds=60) for h, b in attempts
    )
    wait_for(lambda: processed(engine, group, event.id))
    time.sleep(0.3)
    assert len(receiver.of(event.id)) == 2


def test_a_redelivered_event_id_is_posted_once(
    webhook_gateway: Callable[..., str],
    producer: KafkaProducer,
    receiver: Receiver,
) -> None:
    webhook_gateway()
    call_id = f"call-{uuid.uuid4().hex[:8]}"
    event, marker = assigned(call_id), assigned(call_id)
    send_event(producer, event, TOPIC)
    send_event(producer, event, TOPIC)
    send_event(producer, marker, TOPIC)  # same key: read after both copies

    wait_for(lambda: receiver.of(marker.id))

    assert len(receiver.of(event.id)) == 1


def read_dlq(bootstrap: str, topic: str, event_id: uuid.UUID, timeout: float = 20) -> list[Any]:
    """The records of `event_id` on `topic`, read from the start of every partition."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    found: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        partitions = wait_for(lambda: consumer.partitions_for_topic(topic), timeout)
        consumer.assign([TopicPartition(topic, p) for p in partitions])
        while time.monotonic() < deadline and not found:
            for batch in consumer.poll(timeout_ms=200).values():
                found += [r for r in batch if json.loads(r.value)["id"] == str(event_id)]
    finally:
        consumer.close()
    return found


@pytest.mark.parametrize(
    ("plan", "attempts", "error"),
    [
        ([400], 1, "the receiver refused the event: HTTP 400"),
        ([503, 503, 503], 3, "no delivery after 3 attempts: HTTP 503"),
    ],
    ids=["refused", "attempts-exhausted"],
)
def test_an_undeliverable_event_is_dead_lettered_and_the_next_one_goes_through(
    webhook_gateway: Callable[..., str],
    producer: KafkaProducer,
    receiver: Receiver,
    broker: LocalBroker,
    engine: Engine,
    plan: list[int],
    attempts: int,
    error: str,
) -> None:
    call_id = f"call-{uuid.uuid4().hex[:8]}"
    failing, following = assigned(call_id), assigned(call_id)
    receiver.plan[str(failing.id)] = list(plan)
    group = webhook_gateway()
    send_event(producer, failing, TOPIC)
    send_event(producer, following, TOPIC)

    wait_for(lambda: receiver.of(following.id))

    assert len(receiver.of(failing.id)) == attempts
    [record] = read_dlq(broker.bootstrap, dlq_topic(group), failing.id)
    assert dict(record.headers)["error"].decode() == f"WebhookFailed: {error}"
    assert not processed(engine, group, failing.id)
    assert processed(engine, group, following.id)
