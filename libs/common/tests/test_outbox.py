import json
import time
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from crm_common.broker import LocalBroker
from crm_common.db import transaction, utcnow
from crm_common.events.contacts import ConsentChanged
from crm_common.logging import request_id_var
from crm_common.outbox import OutboxRelay, add_event

from .conftest import Outbox, Thing
from .kafka_helpers import read_topic

TOPIC = ConsentChanged.topic


def _write(engine: Engine, subject: uuid.UUID, purpose: str = "sms") -> uuid.UUID:
    with transaction(engine) as session:
        session.add(Thing(name=purpose))
        envelope = add_event(
            session,
            Outbox,
            ConsentChanged(
                contact_id=subject, purpose=purpose, granted=True, source="t", changed_at=utcnow()
            ),
            source="test",
            subject=str(subject),
        )
    return envelope.id


def _wait(condition: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _unpublished(engine: Engine) -> int:
    with transaction(engine, write=False) as session:
        return len(session.exec(select(Outbox).where(Outbox.published_at == None)).all())  # noqa: E711


def _rows(engine: Engine) -> int:
    with transaction(engine, write=False) as session:
        return len(session.exec(select(Outbox)).all())


def _events_for(bootstrap: str, subject: uuid.UUID, expect: int) -> list[dict[str, object]]:
    key = str(subject).encode()
    records = (
        read_topic(bootstrap, TOPIC, expect=10**9, timeout=3.0, key=key) if expect < 0 else None
    )
    records = records or read_topic(bootstrap, TOPIC, expect=expect, key=key)
    return [json.loads(r.value) for r in records if json.loads(r.value)["subject"] == str(subject)]


def test_committed_events_reach_the_broker_in_order_with_the_envelope(
    engine: Engine, broker: LocalBroker
) -> None:
    relay = OutboxRelay(engine, Outbox, broker.bootstrap, client_id="t-relay", poll_seconds=0.05)
    relay.start()
    subject = uuid.uuid4()
    token = request_id_var.set("req-123")
    try:
        ids = [_write(engine, subject, purpose) for purpose in ("sms", "phone", "profiling")]
    finally:
        request_id_var.reset(token)
    try:
        assert _wait(lambda: _unpublished(engine) == 0)
    finally:
        relay.stop()
    events = [e for e in _events_for(broker.bootstrap, subject, 3) if e["source"] == "test"]
    assert [e["id"] for e in events][-3:] == [str(i) for i in ids]
    last = events[-1]
    assert last["specversion"] == "1.0"
    assert last["type"] == "contacts.consent.changed.v1"
    assert last["correlationid"] == "req-123"
    assert last["data"]["purpose"] == "profiling"  # type: ignore[index]


def test_a_rolled_back_change_publishes_nothing(engine: Engine) -> None:
    with pytest.raises(RuntimeError), transaction(engine) as session:
        add_event(
            session,
            Outbox,
            ConsentChanged(
                contact_id=uuid.uuid4(),
                purpose="sms",
                granted=False,
                source="t",
                changed_at=utcnow(),
            ),
            source="test",
            subject="x",
        )
        session.flush()
        raise RuntimeError("abort")
    assert _unpublished(engine) == 0


def test_writes_succeed_while_the_broker_is_down_and_publish_once_it_is_back(
    engine: Engine,
) -> None:
    own = LocalBroker()  # not started yet: the broker is down
    relay = OutboxRelay(engine, Outbox, own.bootstrap, client_id="t-down", poll_seconds=0.05)
    relay.start()
    subject = uuid.uuid4()
    try:
        event_id = _write(engine, subject)
        started = time.monotonic()
        assert _wait(lambda: relay.last_error is not None)
        print(f"relay noticed the broker was down after {time.monotonic() - started:.2f}s")
        assert _unpublished(engine) == 1
        own.start()
        assert _wait(lambda: _unpublished(engine) == 0, timeout=30)
        events = _events_for(own.bootstrap, subject, 1)
        assert [e["id"] for e in events] == [str(event_id)]
    finally:
        relay.stop()
        own.stop()


def test_after_the_broker_restarts_and_loses_its_memory_the_relay_sends_what_was_lost(
    engine: Engine,
) -> None:
    own = LocalBroker().start()
    relay = OutboxRelay(engine, Outbox, own.bootstrap, client_id="t-restart", poll_seconds=0.05)
    relay.start()
    subject = uuid.uuid4()
    try:
        first = _write(engine, subject, "sms")
        assert _wait(lambda: _unpublished(engine) == 0)
        assert [e["id"] for e in _events_for(own.bootstrap, subject, 1)] == [str(first)]
        own.restart()  # the acknowledged first event is gone with the broker's memory
        second = _write(engine, subject, "phone")
        assert _wait(lambda: _unpublished(engine) == 0, timeout=30)
        # Every row of the topic is sent again (this module's earlier tests wrote some too).
        ids = [e["id"] for e in _events_for(own.bootstrap, subject, _rows(engine))]
        # Both are there, the later one last (a batch sent as the loss is noticed comes again).
        assert set(ids) == {str(first), str(second)}
        assert ids[-1] == str(second)
        assert relay.replayed.labels(TOPIC)._value.get() == _rows(engine) - 1
    finally:
        relay.stop()
        own.stop()


def test_a_reconnect_to_a_broker_that_kept_its_log_sends_nothing_again(engine: Engine) -> None:
    own = LocalBroker().start()
    relay = OutboxRelay(engine, Outbox, own.bootstrap, client_id="t-kept", poll_seconds=0.05)
    relay.start()
    subject = uuid.uuid4()
    try:
        first = _write(engine, subject, "sms")
        assert _wait(lambda: _unpublished(engine) == 0)
        relay._close_producer()  # as after a failed send: the next batch reconnects
        second = _write(engine, subject, "phone")
        assert _wait(lambda: _unpublished(engine) == 0)
        events = _events_for(own.bootstrap, subject, 2)
        assert [e["id"] for e in events] == [str(first), str(second)]
        assert relay.replayed.labels(TOPIC)._value.get() == 0
    finally:
        relay.stop()
        own.stop()
