"""Kafka clients with the timeouts Rapport relies on (short, so nothing hangs while a broker is away)."""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Iterable

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

log = logging.getLogger("crm.kafka")

# Clients give up connecting after this long, so no loop hangs while the broker is away.
BOOTSTRAP_TIMEOUT_MS = 2000

# Consumer-group timings that make joins take seconds instead of tens of seconds.
CONSUMER_TIMINGS = {
    "session_timeout_ms": 6000,
    "heartbeat_interval_ms": 1000,
    "max_poll_interval_ms": 30000,
}


def _servers(bootstrap: str) -> list[str]:
    return [s.strip() for s in bootstrap.split(",") if s.strip()]


def broker_reachable(bootstrap: str, timeout: float = 0.5) -> bool:
    """True when a TCP connection to any bootstrap server opens within `timeout`."""
    for server in _servers(bootstrap):
        host, _, port = server.rpartition(":")
        try:
            with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout):
                return True
        except (OSError, ValueError):
            continue
    return False


def make_producer(bootstrap: str, client_id: str) -> KafkaProducer:
    """An idempotent producer that waits for every in-sync replica."""
    return KafkaProducer(
        bootstrap_servers=_servers(bootstrap),
        client_id=client_id,
        bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS,
        acks="all",
        enable_idempotence=True,
        linger_ms=2,
        request_timeout_ms=5000,
        max_block_ms=3000,
        retries=5,
        retry_backoff_ms=100,
        reconnect_backoff_max_ms=2000,
    )


def make_consumer(
    bootstrap: str, group_id: str, topics: Iterable[str], client_id: str | None = None
) -> KafkaConsumer:
    consumer = KafkaConsumer(
        bootstrap_servers=_servers(bootstrap),
        group_id=group_id,
        client_id=client_id or group_id,
        bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=200,
        request_timeout_ms=30000,
        reconnect_backoff_max_ms=2000,
        **CONSUMER_TIMINGS,
    )
    consumer.subscribe(list(topics))
    return consumer


def ensure_topics(bootstrap: str, topics: Iterable[str], partitions: int = 3) -> dict[str, str]:
    """Create missing topics (a real cluster may also create them by policy); returns each topic's
    id, which changes when a topic is deleted and created again (or a memory-only broker restarts)."""
    wanted = list(topics)
    admin = KafkaAdminClient(
        bootstrap_servers=_servers(bootstrap),
        request_timeout_ms=5000,
        bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS,
    )
    try:
        existing = set(admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(
                    [NewTopic(t, num_partitions=partitions, replication_factor=1) for t in missing]
                )
        return {str(t["name"]): str(t.get("topic_id")) for t in admin.describe_topics(wanted)}
    finally:
        admin.close()
