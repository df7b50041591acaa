"""Reading topics of the real test broker."""

import time
import uuid

from kafka import KafkaConsumer
from kafka.consumer.fetcher import ConsumerRecord


def read_topic(
    bootstrap: str,
    topic: str,
    *,
    expect: int,
    timeout: float = 15.0,
    key: bytes | None = None,
) -> list[ConsumerRecord]:
    """Every record on `topic` from the start (only those of `key`, when given), waiting until at
    least `expect` arrived (or timeout): the session's broker holds other tests' records too."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=f"reader-{uuid.uuid4()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    consumer.subscribe([topic])
    records: list[ConsumerRecord] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and len(records) < expect:
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(r for r in batch if key is None or r.key == key)
    finally:
        consumer.close()
    return records
