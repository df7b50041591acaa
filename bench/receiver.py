"""What the benchmarks read off the broker, and waiting for a service's outbox to empty."""

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import text

from crm_common.db import make_engine


class Receiver:
    """Records when each message arrives on a topic (assigned partitions, from the current end)."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        # A short fetch wait, so the figure is the time to reach the broker, not the consumer's poll.
        self.consumer = KafkaConsumer(
            bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=5
        )
        partitions = self.consumer.partitions_for_topic(topic) or {0}
        assigned = [TopicPartition(topic, p) for p in partitions]
        self.consumer.assign(assigned)
        self.consumer.seek_to_end(*assigned)
        for tp in assigned:
            self.consumer.position(tp)
        self.arrivals: list[tuple[float, bytes]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for records in self.consumer.poll(timeout_ms=20).values():
                now = time.time()
                self.arrivals.extend((now, r.value) for r in records)

    def events(self) -> list[tuple[float, dict[str, Any]]]:
        """(arrival time, CloudEvent) of every message so far."""
        return [(at, json.loads(raw)) for at, raw in list(self.arrivals)]

    def wait_for(self, count: int, timeout: float = 30) -> None:
        self.wait_for_matching(lambda _event: True, count, timeout)

    def wait_for_matching(
        self, wanted: Callable[[dict[str, Any]], bool], count: int, timeout: float = 30
    ) -> None:
        """Wait until `count` events satisfying `wanted` arrived (or `timeout`), then stop reading."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sum(1 for _at, event in self.events() if wanted(event)) >= count:
                break
            time.sleep(0.05)
        self._stop.set()
        self._thread.join()
        self.consumer.close()


def drain(service_db: str, timeout: float) -> None:
    """Wait until the service's relay has published everything earlier phases wrote."""
    engine = make_engine(service_db)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                pending = conn.execute(
                    text("SELECT COUNT(*) FROM outbox WHERE published_at IS NULL")
                ).scalar_one()
            if pending == 0:
                return
            time.sleep(0.2)
        raise TimeoutError("the outbox did not drain")
    finally:
        engine.dispose()
