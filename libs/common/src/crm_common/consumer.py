"""Idempotent event consumers: effects and the processed-event mark commit together."""

import functools
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from kafka import KafkaConsumer, KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Field, Session, SQLModel

from crm_common.db import UTCDateTime, transaction, utcnow
from crm_common.events.envelope import CloudEvent
from crm_common.kafka import ensure_topics, make_consumer, make_producer
from crm_common.logging import request_id_var

log = logging.getLogger("crm.consumer")

Handler = Callable[[Session, CloudEvent], None]


class ProcessedEventBase(SQLModel):
    consumer: str = Field(primary_key=True, max_length=200)
    event_id: uuid.UUID = Field(primary_key=True)
    event_type: str = Field(max_length=200)
    processed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def processed_table(base: type[SQLModel]) -> type[ProcessedEventBase]:
    """The service's `processed_events` table, on the service's own metadata."""

    class ProcessedEvent(ProcessedEventBase, base, table=True):  # type: ignore[misc,valid-type]
        __tablename__ = "processed_events"

    return ProcessedEvent


class ConsumerStopping(Exception):
    """A handler failed while the consumer was stopping: the event is left for the next start."""


def dlq_topic(group_id: str) -> str:
    return f"crm.dlq.{group_id}"


class EventConsumer:
    """Consumes `topics` as consumer group `group_id`, dispatching by CloudEvent type to `handlers`.

    Each event is applied at most once: the handler's writes and the processed-event row share one
    transaction. A failing event is retried `max_retries` times with backoff, then sent with its error to
    `crm.dlq.<group>` and skipped, so it never blocks its partition. Offsets are committed only after
    each polled batch is applied or dead-lettered.
    """

    def __init__(
        self,
        engine: Engine,
        processed_model: type[ProcessedEventBase],
        bootstrap_servers: str,
        *,
        group_id: str,
        topics: Iterable[str],
        handlers: Mapping[str, Handler],
        max_retries: int = 3,
        retry_backoff_seconds: float = 0.2,
    ) -> None:
        self.engine, self.processed_model = engine, processed_model
        self.bootstrap, self.group_id, self.topics = bootstrap_servers, group_id, list(topics)
        self.handlers = dict(handlers)
        self.max_retries, self.retry_backoff = max_retries, retry_backoff_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._consumer: KafkaConsumer | None = None
        self._dlq: KafkaProducer | None = None
        self.applied = 0
        self.dead_lettered = 0

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"consumer-{self.group_id}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
        self._close()

    def _run(self) -> None:
        backoff = 0.2
        while not self._stop.is_set():
            try:
                if self._consumer is None:
                    ensure_topics(self.bootstrap, self.topics)
                    self._consumer = make_consumer(self.bootstrap, self.group_id, self.topics)
                batches = self._consumer.poll(timeout_ms=500)
                for records in batches.values():
                    for record in records:
                        self.process(record)
                if batches:
                    self._consumer.commit()
                backoff = 0.2
            except Exception as exc:  # broker or database away: reconnect and re-read, never skip
                log.warning(
                    "consumer %s failed; retrying in %.1fs: %s", self.group_id, backoff, exc
                )
                self._close()
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)

    def process(self, record: ConsumerRecord) -> None:
        """Apply one record (or dead-letter it); raises only when dead-lettering itself fails."""
        try:
            event = CloudEvent.model_validate_json(record.value)
        except ValidationError as exc:
            self._dead_letter(record, f"not a CloudEvent: {exc.errors()[:3]}")
            return
        handler = self.handlers.get(event.type)
        if handler is None:
            return
        error: Exception | None = None
        for attempt in range(self.max_retries + 1):
            try:
                self.apply(event, handler)
                return
            except Exception as exc:  # any failure of a handler counts as an attempt
                error = exc
                log.warning(
                    "handler failed (attempt %d of %d)",
                    attempt + 1,
                    self.max_retries + 1,
                    extra={"event_id": str(event.id), "event_type": event.type},
                    exc_info=exc,
                )
                if attempt < self.max_retries:
                    time.sleep(self.retry_backoff * 2**attempt)
        if self._stop.is_set():
            # Failing while the consumer stops is no fault of the event: its offset stays
            # uncommitted, and the next start applies it.
            raise ConsumerStopping(f"stopped while applying {event.id}: {error}")
        self._dead_letter(record, f"{type(error).__name__}: {error}")

    def apply(self, event: CloudEvent, handler: Handler) -> bool:
        """Run `handler` once for `event`; False when it was already applied."""
        with transaction(self.engine) as session:
            if session.get(self.processed_model, (self.group_id, event.id)) is not None:
                return False
            handler(session, event)
            session.add(
                self.processed_model(
                    consumer=self.group_id, event_id=event.id, event_type=event.type
                )
            )
        self.applied += 1
        return True

    def _dead_letter(self, record: ConsumerRecord, error: str) -> None:
        if self._dlq is None:
            self._dlq = make_producer(self.bootstrap, f"{self.group_id}-dlq")
        topic = dlq_topic(self.group_id)
        ensure_topics(self.bootstrap, [topic])
        headers = [
            ("error", error[:2000].encode()),
            ("original_topic", record.topic.encode()),
            ("original_partition", str(record.partition).encode()),
            ("original_offset", str(record.offset).encode()),
        ]
        self._dlq.send(topic, key=record.key, value=record.value, headers=headers).get(timeout=10)
        self.dead_lettered += 1
        log.error("event dead-lettered to %s: %s", topic, error, extra={"topic": record.topic})

    def _close(self) -> None:
        for client in (self._consumer, self._dlq):
            if client is not None:
                try:
                    client.close()
                except Exception:  # a broken client is discarded either way
                    log.debug("client close failed", exc_info=True)
        self._consumer, self._dlq = None, None


def correlated(handler: Handler) -> Handler:
    """`handler` with the event's correlation id as the request id, so that the events it
    publishes and its log lines carry the id of the request that started it all."""

    @functools.wraps(handler)
    def run(session: Session, event: CloudEvent) -> None:
        token = request_id_var.set(event.correlationid)
        try:
            handler(session, event)
        finally:
            request_id_var.reset(token)

    return run
