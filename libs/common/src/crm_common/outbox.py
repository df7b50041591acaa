"""Transactional outbox: events are rows written with the change, and a relay publishes them."""

import logging
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from kafka import KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from prometheus_client import CollectorRegistry, Counter, Histogram
from sqlalchemy import Engine, Index, Insert, event, insert, update
from sqlmodel import Field, Session, SQLModel, col, select

from crm_common.db import UTCDateTime, table_of, transaction, utcnow
from crm_common.events.envelope import CloudEvent, EventPayload
from crm_common.kafka import ensure_topics, make_producer
from crm_common.logging import current_request_id
from crm_common.settings import ServiceSettings

log = logging.getLogger("crm.outbox")


class OutboxRecordBase(SQLModel):
    seq: int | None = Field(default=None, primary_key=True)
    event_id: uuid.UUID = Field(unique=True)
    topic: str = Field(max_length=200)
    key: str = Field(max_length=200)
    event_type: str = Field(max_length=200)
    envelope: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def outbox_table(base: type[SQLModel]) -> type[OutboxRecordBase]:
    """The service's `outbox` table, on the service's own metadata."""

    class OutboxRecord(OutboxRecordBase, base, table=True):  # type: ignore[misc,valid-type]
        __tablename__ = "outbox"
        __table_args__ = (
            Index("ix_outbox_unpublished", "published_at", "seq"),
            # An erasure finds the events about a contact's records by their keys.
            Index("ix_outbox_key", "key"),
        )

    return OutboxRecord


# Relays waiting for new rows, by outbox model; woken after the transaction that added rows commits.
_wakeups: dict[type[OutboxRecordBase], threading.Event] = {}


@cache
def _insert(model: type[OutboxRecordBase]) -> Insert:
    """The outbox's insert, built once per table (its parameters are bound per event)."""
    return insert(table_of(model))


def add_event(
    session: Session,
    model: type[OutboxRecordBase],
    payload: EventPayload,
    *,
    source: str,
    subject: str,
    key: str | None = None,
) -> CloudEvent:
    """Write `payload` to the outbox in the caller's transaction; it is published after commit."""
    envelope = CloudEvent.wrap(
        payload, source=source, subject=subject, correlation_id=current_request_id()
    )
    # A Core insert: written at once, in order, without the ORM's unit-of-work bookkeeping.
    session.connection().execute(
        _insert(model),
        {
            "event_id": envelope.id,
            "topic": payload.topic,
            "key": key or subject,
            "event_type": envelope.type,
            "envelope": envelope.model_dump_json(),
            "created_at": envelope.time,
            "published_at": None,
        },
    )
    session.info.setdefault("outbox_models", set()).add(model)
    return envelope


@event.listens_for(Session, "after_commit")
def _wake_relays(session: Session) -> None:
    for model in session.info.pop("outbox_models", ()):
        wakeup = _wakeups.get(model)
        if wakeup is not None:
            wakeup.set()


@event.listens_for(Session, "after_soft_rollback")
def _forget_outbox(session: Session, _previous: Any) -> None:
    session.info.pop("outbox_models", None)


class OutboxRelay:
    """Publishes unpublished outbox rows in order, marking each only after the broker acknowledged it.

    On PostgreSQL the batch is claimed with FOR UPDATE SKIP LOCKED, so several replicas can relay side
    by side. On SQLite the batch is read, sent, then marked in a short write, so the database's single
    write lock is never held while waiting for the broker.

    Acknowledged events can still be lost by the broker (a memory-only broker restarted, a topic
    deleted and created again, a truncated log). The relay notices when a topic's id changed since it
    last connected, or when a send is given an offset at or below one acknowledged before on that
    partition; then every row of that topic is marked unpublished again and re-sent in order.
    Consumers are idempotent, so what they already had is a no-op. (The broker's end offsets cannot
    tell: Tansu reports the start of the last batch.)
    """

    @classmethod
    def for_service(
        cls,
        engine: Engine,
        model: type[OutboxRecordBase],
        settings: ServiceSettings,
        registry: CollectorRegistry | None = None,
    ) -> "OutboxRelay":
        """The relay of a service's outbox, as its settings configure it."""
        return cls(
            engine,
            model,
            settings.kafka_bootstrap_servers,
            client_id=f"{settings.service_name}-relay",
            poll_seconds=settings.relay_poll_seconds,
            batch_size=settings.relay_batch_size,
            registry=registry,
        )

    def __init__(
        self,
        engine: Engine,
        model: type[OutboxRecordBase],
        bootstrap_servers: str,
        *,
        client_id: str,
        poll_seconds: float = 0.5,
        batch_size: int = 500,
        linger_seconds: float = 0.005,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self.engine, self.model, self.bootstrap = engine, model, bootstrap_servers
        self.client_id, self.poll_seconds, self.batch_size = client_id, poll_seconds, batch_size
        self.linger_seconds = linger_seconds
        self._producer: KafkaProducer | None = None
        self._known_topics: set[str] = set()
        self._acknowledged: dict[TopicPartition, int] = {}
        self._regressed: set[str] = set()
        self._topic_ids: dict[str, str] = {}
        self._stop = threading.Event()
        self._wakeup = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        registry = registry or CollectorRegistry()
        self.published = Counter(
            "outbox_published_total", "Events published", ["topic"], registry=registry
        )
        self.replayed = Counter(
            "outbox_replayed_total",
            "Events marked unpublished again because the broker lost them",
            ["topic"],
            registry=registry,
        )
        self.lag = Histogram(
            "outbox_publish_lag_seconds",
            "Time from commit to broker acknowledgement",
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )

    def start(self) -> None:
        _wakeups[self.model] = self._wakeup
        self._thread = threading.Thread(
            target=self._run, name=f"outbox-relay-{self.client_id}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wakeup.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if _wakeups.get(self.model) is self._wakeup:
            del _wakeups[self.model]
        self._close_producer()

    def _run(self) -> None:
        backoff = 0.1
        while not self._stop.is_set():
            try:
                sent = self.publish_batch()
                backoff = 0.1
            except Exception as exc:  # the loop must survive a broker or database outage
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("outbox relay failed; retrying in %.1fs: %s", backoff, self.last_error)
                self._close_producer()
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if sent < self.batch_size:
                woken = self._wakeup.wait(self.poll_seconds)
                if woken and self.linger_seconds:
                    # Under load, let a few more commits land so that one batch carries them all.
                    self._stop.wait(self.linger_seconds)
                self._wakeup.clear()

    def publish_batch(self) -> int:
        """Publish one batch; returns how many rows were published."""
        if self._producer is None and self._topic_ids:
            # (Re)connecting: first re-queue what a recreated topic lost, so it is re-sent in order.
            ids = ensure_topics(self.bootstrap, self._topic_ids)
            self._replay({t for t, i in ids.items() if self._topic_ids.get(t, i) != i})
            self._topic_ids.update(ids)
        query = (
            select(self.model)
            .where(col(self.model.published_at).is_(None))
            .order_by(col(self.model.seq))
            .limit(self.batch_size)
        )
        if self.engine.dialect.name == "sqlite":
            with transaction(self.engine, write=False) as session:
                rows = [_Row.of(r) for r in session.exec(query).all()]
            if not rows:
                return 0
            sent = self._send(rows)
            with transaction(self.engine) as session:
                self._mark(session, sent)
        else:
            with transaction(self.engine) as session:
                claimed = session.exec(query.with_for_update(skip_locked=True)).all()
                if not claimed:
                    return 0
                sent = self._send([_Row.of(r) for r in claimed])
                self._mark(session, sent)
        self._replay(set(self._regressed))
        return len(sent)

    def _mark(self, session: Session, sent: Sequence["_Row"]) -> None:
        if not sent:
            return
        now = utcnow()
        session.exec(
            update(self.model)
            .where(col(self.model.seq).in_([r.seq for r in sent]))
            .values(published_at=now)
        )
        for row in sent:
            self.published.labels(row.topic).inc()
            self.lag.observe(max((now - row.created_at).total_seconds(), 0.0))

    def _send(self, rows: Sequence["_Row"]) -> list["_Row"]:
        producer = self._get_producer({r.topic for r in rows})
        futures = [
            producer.send(
                r.topic,
                key=r.key.encode(),
                value=r.envelope.encode(),
                headers=[("ce_type", r.event_type.encode()), ("ce_id", str(r.event_id).encode())],
            )
            for r in rows
        ]
        producer.flush(timeout=10)
        sent: list[_Row] = []
        first_error: Exception | None = None
        for row, future in zip(rows, futures, strict=True):
            try:
                metadata = future.get(timeout=0)
                sent.append(row)
                partition = TopicPartition(metadata.topic, metadata.partition)
                if metadata.offset <= self._acknowledged.get(partition, -1):
                    self._regressed.add(metadata.topic)  # the log went back: events were lost
                self._acknowledged[partition] = metadata.offset
            except KafkaError as exc:
                first_error = first_error or exc
        if first_error is not None:
            # Keep what was acknowledged; the rest stays unpublished and the producer is recreated.
            self.last_error = f"{type(first_error).__name__}: {first_error}"
            self._close_producer()
            if not sent:
                raise first_error
        else:
            self.last_error = None
        return sent

    def _get_producer(self, topics: set[str]) -> KafkaProducer:
        if self._producer is None:
            self._producer = make_producer(self.bootstrap, self.client_id)
            self._known_topics = set()
        missing = topics - self._known_topics
        if missing:
            self._topic_ids.update(ensure_topics(self.bootstrap, missing))
            self._known_topics |= missing
        return self._producer

    def _replay(self, lost: set[str]) -> None:
        """Mark every row of the `lost` topics unpublished again, to be re-sent in order."""
        if not lost:
            return
        with transaction(self.engine) as session:
            for topic in sorted(lost):
                result = session.connection().execute(
                    update(table_of(self.model))
                    .where(col(self.model.topic) == topic)
                    .where(col(self.model.published_at).is_not(None))
                    .values(published_at=None)
                )
                self.replayed.labels(topic).inc(result.rowcount)
                log.warning(
                    "the broker lost acknowledged events of %s; re-sending %d rows",
                    topic,
                    result.rowcount,
                )
        self._acknowledged = {tp: o for tp, o in self._acknowledged.items() if tp.topic not in lost}
        self._regressed -= lost

    def _close_producer(self) -> None:
        if self._producer is not None:
            try:
                self._producer.close(timeout=1)
            except Exception:  # closing a broken producer may fail; it is discarded either way
                log.debug("producer close failed", exc_info=True)
            self._producer = None


@dataclass(frozen=True, slots=True)
class _Row:
    """A detached copy of an outbox row, safe to use outside its session."""

    seq: int
    event_id: uuid.UUID
    topic: str
    key: str
    event_type: str
    envelope: str
    created_at: datetime

    @classmethod
    def of(cls, record: OutboxRecordBase) -> "_Row":
        assert record.seq is not None
        return cls(
            record.seq,
            record.event_id,
            record.topic,
            record.key,
            record.event_type,
            record.envelope,
            record.created_at,
        )
