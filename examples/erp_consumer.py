"""An example ERP on the other side of Rapport's `crm.orders` topic.

It consumes `orders.order.placed.v1` (a CloudEvents 1.0 JSON envelope whose `data.order` is the
whole order: number, customer reference, lines with sku, options, quantities and prices, totals,
delivery address), books each order, and reports back through the gateway with an API key that
holds the `erp` role:

    POST /v1/integrations/erp/orders/{order_id}/status
    {"status": "confirmed", "erp_event_id": "...", "occurred_at": "...", "erp_order_number": "..."}

With `--ship` it also reports `in_production` and then `shipped` with a carrier's tracking reference.

Kafka delivers at least once, so this consumer
- commits its consumer group's offset only after an order was handled (manual commit, per record);
- skips an order id it has already handled (while it runs);
- outlives a broker outage: a poll or commit that fails on the broker, or a group join that gets
  no partitions for 15 s, makes a new consumer, which resumes from the group's committed offsets
  once the broker is back;
- derives each report (its `erp_event_id` and time) from the order and the status, so a report
  repeated after a crash or restart is answered by Rapport like the first one, never applied twice.

A 409 answer means Rapport's order is already past that status (or cancelled): the order is done.
A 401 or 403 stops the consumer (wrong key); other failures are retried with backoff and, if they
persist, stop it without committing, so the order is read again on the next start.

    python examples/erp_consumer.py --bootstrap 127.0.0.1:9092 \\
        --gateway http://127.0.0.1:8000 --key rk_... [--ship] [--once | --max-orders N]

Ctrl-C or SIGTERM stops it between two polls.

It needs only `kafka-python` and `httpx` (both in Rapport's environment) and none of Rapport's code:
the event schemas are in `openapi/events/`, the topics in `openapi/asyncapi.yaml`.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

log = logging.getLogger("example-erp")

TOPIC = "crm.orders"
PLACED = "orders.order.placed.v1"
# erp_event_id = uuid5(namespace, "<order id>:<status>"): the same report always has the same id.
ERP_EVENTS = uuid.UUID("0b8e4f62-9a57-5c2e-8d1f-3a6c2b7e9d40")
AUTH_FAILURES = (401, 403)
DONE_STATUSES = (200, 409)


class Stop(Exception):
    """The consumer cannot go on (a refused key, a gateway that keeps failing)."""


@dataclass(frozen=True)
class Options:
    bootstrap: str
    gateway: str
    key: str
    group: str = "example-erp"
    ship: bool = False
    once: bool = False
    max_orders: int | None = None
    idle_seconds: float = 5.0
    retries: int = 5


@dataclass(frozen=True)
class Report:
    """One status report. A real ERP stores its events and re-sends them unchanged; this example
    keeps no state, so it derives the whole report (id and time) from the order instead, and a
    report repeated by a restarted or second instance is the same report."""

    status: str
    erp_order_number: str
    occurred_at: datetime
    tracking: dict[str, str] | None = None

    def body(self, order_id: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "status": self.status,
            "erp_event_id": str(uuid.uuid5(ERP_EVENTS, f"{order_id}:{self.status}")),
            "occurred_at": self.occurred_at.isoformat().replace("+00:00", "Z"),
            "erp_order_number": self.erp_order_number,
        }
        if self.tracking is not None:
            body["tracking"] = self.tracking
        return body


def reports_for(order: dict[str, Any], ship: bool) -> list[Report]:
    """What this ERP reports for a placed order: confirmed, and with `ship` the way to the door
    (a second apart, after the order was placed)."""
    erp_number = "SO-" + str(order["number"]).removeprefix("R-")
    placed_at = datetime.fromisoformat(str(order["placed_at"]).replace("Z", "+00:00"))

    def at(step: int) -> datetime:
        return placed_at.astimezone(UTC) + timedelta(seconds=step)

    reports = [Report("confirmed", erp_number, at(1))]
    if ship:
        tracking_number = "JD" + uuid.UUID(str(order["id"])).hex[:16].upper()
        reports += [
            Report("in_production", erp_number, at(2)),
            Report(
                "shipped",
                erp_number,
                at(3),
                {
                    "carrier": "DHL",
                    "number": tracking_number,
                    "url": f"https://www.dhl.com/track?id={tracking_number}",
                },
            ),
        ]
    return reports


@dataclass
class Erp:
    """Handles placed orders: books them and reports their statuses through the gateway."""

    options: Options
    http: httpx.Client
    handled: set[str] = field(default_factory=set)

    def handle(self, envelope: dict[str, Any]) -> bool:
        """Report the statuses of the order in `envelope`; False when it was seen already."""
        order = envelope["data"]["order"]
        order_id = str(order["id"])
        if order_id in self.handled:
            log.info("order %s seen before, skipped", order["number"])
            return False
        log.info(
            "order %s placed: %s lines, total %s %s, customer %s",
            order["number"],
            len(order["lines"]),
            order["total"],
            order["currency"],
            order["customer_reference"],
        )
        for report in reports_for(order, self.options.ship):
            if not self.report(order_id, str(order["number"]), report):
                break
        self.handled.add(order_id)
        return True

    def report(self, order_id: str, number: str, report: Report) -> bool:
        """POST one status; False when Rapport's order is already past it (409: stop there)."""
        path = f"/v1/integrations/erp/orders/{order_id}/status"
        body = report.body(order_id)
        for attempt in range(self.options.retries + 1):
            try:
                answer = self.http.post(path, json=body)
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if answer.status_code in AUTH_FAILURES:
                    raise Stop(f"the gateway refused the key ({answer.status_code}): {answer.text}")
                if answer.status_code == 200:
                    log.info("order %s: reported %s", number, report.status)
                    return True
                if answer.status_code == 409:
                    log.warning("order %s: %s refused, %s", number, report.status, answer.text)
                    return False
                if answer.status_code < 500:
                    # 404 (unknown order) or 422: retrying cannot help; move on to the next order.
                    log.error("order %s: %s answered %s", number, answer.status_code, answer.text)
                    return False
                problem = f"{answer.status_code}: {answer.text}"
            delay = min(0.5 * 2**attempt, 10.0)
            log.warning("order %s: %s failed (%s); retry in %.1fs", number, path, problem, delay)
            time.sleep(delay)
        raise Stop(f"reporting {report.status} for order {number} keeps failing")


def make_consumer(options: Options) -> KafkaConsumer:
    return KafkaConsumer(
        TOPIC,
        bootstrap_servers=[s.strip() for s in options.bootstrap.split(",") if s.strip()],
        group_id=options.group,
        client_id=options.group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        # Joins in seconds rather than tens of seconds.
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
        max_poll_records=50,
    )


def run(options: Options, stopping: threading.Event | None = None) -> int:
    """Consume until `stopping` is set, `max_orders` were handled, or (`once`) the topic stays quiet."""
    stopping = stopping or threading.Event()
    consumer = make_consumer(options)
    headers = {"Authorization": f"Bearer {options.key}"}
    done = 0
    quiet_since = joining_since = time.monotonic()
    try:
        with httpx.Client(base_url=options.gateway, headers=headers, timeout=15) as http:
            erp = Erp(options, http)
            while not stopping.is_set() and (
                options.max_orders is None or done < options.max_orders
            ):
                try:
                    batches = consumer.poll(timeout_ms=500)
                    if not consumer.assignment():
                        quiet_since = time.monotonic()  # still joining the group: not quiet yet
                        if quiet_since - joining_since > REJOIN:
                            raise KafkaError(f"no partitions after {REJOIN:.0f}s; joining again")
                    else:
                        joining_since = time.monotonic()
                    if not batches:
                        if options.once and time.monotonic() - quiet_since >= options.idle_seconds:
                            break
                        continue
                    quiet_since = time.monotonic()
                    done = handle(consumer, erp, batches, options, done)
                except KafkaError as exc:
                    # The broker is away: a new consumer resumes from the committed offsets once
                    # it is back (orders handled meanwhile are skipped by their id).
                    log.warning("broker unavailable (%s); reconnecting in %.1fs", exc, RECONNECT)
                    close_quietly(consumer)
                    stopping.wait(RECONNECT)
                    consumer = make_consumer(options)
                    joining_since = time.monotonic()
    except Stop as exc:
        log.error("stopped: %s", exc)
        return 1
    finally:
        close_quietly(consumer)
    log.info("handled %d orders", done)
    return 0


def handle(
    consumer: KafkaConsumer,
    erp: Erp,
    batches: dict[TopicPartition, list[ConsumerRecord]],
    options: Options,
    done: int,
) -> int:
    """Book the placed orders of a poll, committing after each record; the orders handled so far."""
    for partition, records in batches.items():
        for record in records:
            if options.max_orders is not None and done >= options.max_orders:
                return done
            if is_placed_order(record.value, record.headers) and erp.handle(
                json.loads(record.value)
            ):
                done += 1
            commit(consumer, partition, record.offset + 1)
    return done


RECONNECT = 1.0
# A consumer still without partitions after this long (a group join cut off by a broker restart can
# stall) is replaced by a new one.
REJOIN = 15.0


def close_quietly(consumer: KafkaConsumer) -> None:
    try:
        consumer.close()
    except KafkaError:  # a consumer cut off from the broker is dropped either way
        log.debug("consumer close failed", exc_info=True)


def is_placed_order(value: bytes, headers: Sequence[tuple[str, bytes]]) -> bool:
    """Whether a record is `orders.order.placed.v1` (by its ce_type header, else its envelope)."""
    for name, header in headers or ():
        if name == "ce_type":
            return header == PLACED.encode()
    try:
        return bool(json.loads(value).get("type") == PLACED)
    except (ValueError, AttributeError):
        log.warning("a record that is not a JSON envelope was skipped")
        return False


def commit(consumer: KafkaConsumer, partition: TopicPartition, next_offset: int) -> None:
    """Mark everything before `next_offset` on `partition` as done for this consumer group."""
    consumer.commit({partition: OffsetAndMetadata(next_offset, "", -1)})


def parse(argv: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--bootstrap", default="127.0.0.1:9092", help="Kafka bootstrap servers")
    parser.add_argument("--gateway", default="http://127.0.0.1:8000", help="Rapport's gateway")
    parser.add_argument("--key", required=True, help="an API key with the erp role")
    parser.add_argument("--group", default="example-erp", help="the consumer group id")
    parser.add_argument("--ship", action="store_true", help="also report in_production and shipped")
    parser.add_argument(
        "--once", action="store_true", help="exit once the topic has been quiet for a while"
    )
    parser.add_argument("--max-orders", type=int, help="exit after handling this many orders")
    parser.add_argument(
        "--idle-seconds", type=float, default=5.0, help="how long is quiet for --once"
    )
    args = parser.parse_args(argv)
    if args.max_orders is not None and args.max_orders < 1:
        parser.error("--max-orders must be at least 1")
    return Options(
        bootstrap=args.bootstrap,
        gateway=args.gateway.rstrip("/"),
        key=args.key,
        group=args.group,
        ship=args.ship,
        once=args.once,
        max_orders=args.max_orders,
        idle_seconds=args.idle_seconds,
    )


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    for noisy in ("kafka", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    options = parse(sys.argv[1:] if argv is None else argv)
    stopping = threading.Event()

    def stop(signum: int, _frame: object) -> None:
        # Finish the record at hand and leave between polls; the consumer group sees a clean exit.
        log.info("%s received: stopping", signal.Signals(signum).name)
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    return run(options, stopping)


if __name__ == "__main__":
    sys.exit(main())
