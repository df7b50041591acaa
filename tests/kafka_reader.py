"""Reading what the services published on the real broker."""

import json
import time
import uuid
from typing import Any

from kafka import KafkaConsumer


def events_for(
    bootstrap: str, topic: str, subject: str, *, expect: int, timeout: float = 20.0
) -> list[dict[str, Any]]:
    """CloudEvents on `topic` whose subject is `subject`, waiting until `expect` arrived or timeout."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=f"e2e-{uuid.uuid4()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    consumer.subscribe([topic])
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and len(found) < expect:
            for records in consumer.poll(timeout_ms=200).values():
                for record in records:
                    event = json.loads(record.value)
                    if event.get("subject") == subject:
                        found.append(event)
    finally:
        consumer.close()
    return found
