import json
import time
import uuid
from collections.abc import Callable

import pytest
from kafka import KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from crm_common.broker import LocalBroker
from crm_common.consumer import ConsumerStopping, EventConsumer, dlq_topic
from crm_common.db import transaction, utcnow
from crm_common.events.contacts import ConsentChanged
from crm_common.events.envelope import CloudEvent

from .conftest import Processed, Thing
from .kafka_helpers import read_topic


def _event(purpose: str) -> CloudEvent:
    payload = ConsentChanged(
        contact_id=uuid.uuid4(), purpose=purpose, granted=True, source="t", changed_at=utcnow()
    )
    return CloudEvent.wrap(
        payload, source="test", subject=str(payload.contact_id), correlation_id=None
    )


def _things(engine: Engine) -> list[str]:
    with transaction(engine, write=False) as session:
        return sorted(t.name for t in session.exec(select(Thing)).all())


def _wait(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _record_thing(session: Session, event: CloudEvent) -> None:
    purpose = event.payload().purpose  # type: ignore[attr-defined]
    if purpose == "poison":
        raise ValueError("this event always fails")
    session.add(Thing(name=purpose))


def test_applying_the_same_event_twice_has_one_effect(engine: Engine, broker: LocalBroker) -> None:
    consumer = EventConsumer(
        engine,
        Processed,
        broker.bootstrap,
        group_id="g-once",
        topics=["t"],
        handlers={ConsentChanged.event_type: _record_thing},
    )
    event = _event("sms")
    assert consumer.apply(event, _record_thing) is True
    assert consumer.apply(event, _record_thing) is False
    assert _things(engine) == ["sms"]


def test_a_failing_effect_leaves_no_trace_and_no_processed_mark(
    engine: Engine, broker: LocalBroker
) -> None:
    def half_then_fail(session: Session, event: CloudEvent) -> None:
        session.add(Thing(name="half"))
        session.flush()
        raise RuntimeError("fails after writing")

    consumer = EventConsumer(
        engine, Processed, broker.bootstrap, group_id="g-fail", topics=["t"], handlers={}
    )
    with pytest.raises(RuntimeError, match="fails after writing"):
        consumer.apply(_event("sms"), half_then_fail)
    assert _things(engine) == []
    with transaction(engine, write=False) as session:
        assert session.exec(select(func.count()).select_from(Processed)).one() == 0


def test_an_event_failing_while_the_consumer_stops_is_left_for_the_next_start(
    engine: Engine, broker: LocalBroker
) -> None:
    consumer = EventConsumer(
        engine,
        Processed,
        broker.bootstrap,
        group_id="g-stopping",
        topics=["t"],
        handlers={ConsentChanged.event_type: _record_thing},
        max_retries=0,
    )
    event = _event("poison")
    record = ConsumerRecord(
        topic="t",
        partition=0,
        leader_epoch=0,
        offset=7,
        timestamp=0,
        timestamp_type=0,
        key=b"k",
        value=event.model_dump_json().encode(),
        headers=[],
        checksum=None,
        serialized_key_size=1,
        serialized_value_size=-1,
        serialized_header_size=-1,
    )
    consumer._stop.set()  # as stop() does: the failure is the stop's, not the event's
    with pytest.raises(ConsumerStopping):
        consumer.process(record)
    assert consumer.dead_lettered == 0


def test_consumer_applies_events_dead_letters_failures_and_survives_redelivery(
    engine: Engine, broker: LocalBroker
) -> None:
    topic = f"crm.test-{uuid.uuid4().hex[:8]}"
    group = f"g-{uuid.uuid4().hex[:8]}"
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    good = [_event("sms"), _event("phone")]
    poison = _event("poison")
    key = b"same-aggregate"  # one partition: the poison event sits between the good ones
    producer.send(topic, key=key, value=good[0].model_dump_json().encode())
    producer.send(topic, key=key, value=poison.model_dump_json().encode())
    producer.send(topic, key=key, value=b"{not json")
    producer.send(topic, key=key, value=good[1].model_dump_json().encode())
    producer.send(topic, key=key, value=good[0].model_dump_json().encode())  # a redelivery
    producer.flush()

    handlers = {ConsentChanged.event_type: _record_thing}
    consumer = EventConsumer(
        engine,
        Processed,
        broker.bootstrap,
        group_id=group,
        topics=[topic],
        handlers=handlers,
        max_retries=2,
        retry_backoff_seconds=0.01,
    )
    consumer.start()
    try:
        assert _wait(lambda: consumer.dead_lettered == 2 and len(_things(engine)) == 2)
    finally:
        consumer.stop()
    assert _things(engine) == ["phone", "sms"]

    dead = read_topic(broker.bootstrap, dlq_topic(group), expect=2)
    assert [json.loads(r.value)["id"] if r.value.startswith(b'{"') else r.value for r in dead] == [
        str(poison.id),
        b"{not json",
    ]
    errors = [dict(r.headers)["error"].decode() for r in dead]
    assert errors[0] == "ValueError: this event always fails"
    assert errors[1].startswith("not a CloudEvent")
    assert dict(dead[0].headers)["original_topic"].decode() == topic

    # A second consumer group re-reading the whole topic (as after a broker restart) changes nothing.
    again = EventConsumer(
        engine,
        Processed,
        broker.bootstrap,
        group_id=group,
        topics=[topic],
        handlers=handlers,
        max_retries=0,
    )
    for record in read_topic(broker.bootstrap, topic, expect=5):
        if record.value != b"{not json" and json.loads(record.value)["id"] != str(poison.id):
            again.process(record)
    assert _things(engine) == ["phone", "sms"]
    producer.close()
