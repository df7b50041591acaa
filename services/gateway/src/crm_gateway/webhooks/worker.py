"""The delivery worker: claims due deliveries, POSTs them outside any transaction, logs each
attempt, schedules retries, disables subscriptions that keep failing, and sweeps old events.

A claim (one short transaction) moves each claimed delivery's `next_attempt_at` past the attempt's
deadline, so no other worker takes it meanwhile; a worker that dies mid-attempt leaves it to be
retried after that deadline (delivery is at least once; receivers dedupe on the event id).
Attempts run on a thread pool, at most `PER_SUBSCRIPTION` at a time for one subscription, so a
slow partner never holds up another. Deliveries of one subscription are not ordered: a retried
event arrives after later ones.
"""

import logging
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from crm_common.db import open_session, transaction, utcnow
from crm_gateway.audit import repository as audit
from crm_gateway.config import GatewaySettings
from crm_gateway.webhooks import delivery, repository, service, signing
from crm_gateway.webhooks.delivery import Attempt, Verdict
from crm_gateway.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

log = logging.getLogger("crm.gateway.webhooks")

CONCURRENCY = 16
PER_SUBSCRIPTION = 4
CANDIDATES_PER_SLOT = 4
LEASE_MARGIN = timedelta(seconds=30)
SWEEP_EVERY_SECONDS = 600.0
EVENT_GONE = "the event is no longer stored (erased, or older than the retention)"
SECRET_UNREADABLE = "the signing secret cannot be read (rotate it)"  # noqa: S105 - a message


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker holds, with everything its POST needs."""

    delivery_id: uuid.UUID
    subscription_id: uuid.UUID
    number: int
    url: str
    body: bytes
    event_id: str
    event_type: str
    signing_secrets: list[str]
    claimed_at: datetime


def claim(
    engine: Engine,
    settings: GatewaySettings,
    now: datetime,
    limit: int,
    busy: dict[uuid.UUID, int] | None = None,
) -> list[Claimed]:
    """Up to `limit` due deliveries, at most PER_SUBSCRIPTION per subscription counting the
    `busy` ones (subscription id → attempts in flight)."""
    with open_session(engine, write=False) as reader:
        if not repository.any_due(reader, now):
            return []
    per_subscription = dict(busy or {})
    claimed: list[Claimed] = []
    with transaction(engine) as session:
        for row, subscription, event in repository.due(session, now, limit * CANDIDATES_PER_SLOT):
            if len(claimed) == limit:
                break
            if per_subscription.get(subscription.id, 0) >= PER_SUBSCRIPTION:
                continue
            if event is None:
                _give_up(session, row, subscription, EVENT_GONE, settings, now)
                continue
            try:
                secrets = service.signing_secrets(subscription, settings.internal_secret, now)
            except signing.SecretUnreadable:
                _give_up(session, row, subscription, SECRET_UNREADABLE, settings, now)
                continue
            per_subscription[subscription.id] = per_subscription.get(subscription.id, 0) + 1
            claimed.append(
                Claimed(
                    delivery_id=row.id,
                    subscription_id=subscription.id,
                    number=row.attempts + 1,
                    url=subscription.url,
                    body=event.envelope.encode(),
                    event_id=str(event.id),
                    event_type=event.type,
                    signing_secrets=secrets,
                    claimed_at=now,
                )
            )
        if claimed:
            deadline = now + timedelta(seconds=settings.webhook_timeout_seconds) + LEASE_MARGIN
            repository.hold(session, [c.delivery_id for c in claimed], deadline)
    return claimed


def send(client: httpx.Client, claimed: Claimed, settings: GatewaySettings) -> Attempt:
    return delivery.post(
        client,
        claimed.url,
        claimed.body,
        event_id=claimed.event_id,
        event_type=claimed.event_type,
        signing_secrets=claimed.signing_secrets,
        public_only=settings.environment == "production",
    )


def record(
    engine: Engine, settings: GatewaySettings, claimed: Claimed, attempt: Attempt, now: datetime
) -> None:
    """Log the attempt and conclude: delivered, retried later, or failed; unless the delivery went
    meanwhile (an erasure, a deleted subscription) or another worker took it over."""
    with transaction(engine) as session:
        row = repository.get_delivery_for_update(session, claimed.delivery_id)
        if row is None or row.status != "pending" or row.attempts != claimed.number - 1:
            return
        subscription = repository.get(session, row.subscription_id, for_update=True)
        if subscription is None:
            return
        verdict = attempt.verdict
        if verdict == "retry" and claimed.number >= settings.webhook_max_attempts:
            verdict = "failed"
        _conclude(session, row, subscription, attempt, verdict, settings, now, claimed.claimed_at)


def _give_up(
    session: Session,
    row: WebhookDelivery,
    subscription: WebhookSubscription,
    reason: str,
    settings: GatewaySettings,
    now: datetime,
) -> None:
    """Fail a delivery that cannot be sent at all (logged as an attempt without a POST)."""
    locked = repository.get(session, subscription.id, for_update=True) or subscription
    _conclude(session, row, locked, Attempt(None, reason, 0.0), "failed", settings, now, now)


def _conclude(
    session: Session,
    row: WebhookDelivery,
    subscription: WebhookSubscription,
    attempt: Attempt,
    verdict: Verdict,
    settings: GatewaySettings,
    now: datetime,
    attempted_at: datetime,
) -> None:
    row.attempts += 1
    session.add(
        WebhookAttempt(
            delivery_id=row.id,
            number=row.attempts,
            attempted_at=attempted_at,
            status_code=attempt.status_code,
            error=attempt.error,
            duration_ms=attempt.duration_ms,
        )
    )
    row.last_status_code, row.last_error = attempt.status_code, attempt.error
    if verdict == "retry":
        wait_seconds = delivery.backoff_seconds(
            row.attempts,
            settings.webhook_backoff_base_seconds,
            settings.webhook_backoff_max_seconds,
        )
        row.next_attempt_at = now + timedelta(seconds=wait_seconds)
    else:
        row.status, row.next_attempt_at, row.finished_at = verdict, None, now
    if verdict == "delivered":
        subscription.consecutive_failures, subscription.failing_since = 0, None
        _audit_delivery(session, row, subscription, attempt, now)
    else:
        if verdict == "failed":
            subscription.consecutive_failures += 1
        subscription.failing_since = subscription.failing_since or attempted_at
        _disable_when_failing(subscription, settings, now)
    session.add(row)
    session.add(subscription)


def _audit_delivery(
    session: Session,
    row: WebhookDelivery,
    subscription: WebhookSubscription,
    attempt: Attempt,
    now: datetime,
) -> None:
    """A delivered event about a contact is the partner reading that person's data: the audit log
    records it, under the key that subscribed."""
    event = repository.get_event(session, row.event_id)
    if event is None or event.contact_id is None:
        return
    audit.append(
        session,
        [
            {
                "at": now,
                "principal_id": subscription.owner,
                "roles": ["webhook"],
                "action": "read",
                "method": "POST",
                "path": f"webhook {subscription.id}: {event.type}"[:2000],
                "status": attempt.status_code or 0,
                "contact_id": event.contact_id,
                "reason": "webhook delivery",
                "request_id": None,
            }
        ],
    )


def _disable_when_failing(
    subscription: WebhookSubscription, settings: GatewaySettings, now: datetime
) -> None:
    """Disable after `webhook_disable_after_failures` failed deliveries in a row, or attempts
    failing for `webhook_disable_after_hours` without one delivered."""
    if subscription.status != "enabled":
        return
    reason: str | None = None
    if subscription.consecutive_failures >= settings.webhook_disable_after_failures:
        reason = f"{subscription.consecutive_failures} consecutive deliveries failed"
    elif subscription.failing_since is not None and now - subscription.failing_since >= timedelta(
        hours=settings.webhook_disable_after_hours
    ):
        reason = f"deliveries have failed since {subscription.failing_since.isoformat()}"
    if reason is None:
        return
    service.disable(subscription, f"Disabled automatically: {reason}", now)
    subscription.version += 1
    subscription.updated_at = now
    log.warning("webhook subscription %s disabled: %s", subscription.id, reason)


def sweep(engine: Engine, settings: GatewaySettings, now: datetime) -> tuple[int, int]:
    """Delete events and deliveries older than the retention: (events, deliveries) deleted."""
    cutoff = now - timedelta(days=settings.webhook_retention_days)
    with transaction(engine) as session:
        return repository.delete_older_than(session, cutoff)


class DeliveryWorker:
    """Runs claims every `webhook_poll_seconds` and the sweep every SWEEP_EVERY_SECONDS.

    `deliver_due()` is one whole pass (claim, send, record, wait), for tests and scripts.
    """

    def __init__(self, engine: Engine, settings: GatewaySettings) -> None:
        self.engine, self.settings = engine, settings
        self.client = delivery.new_client(settings.webhook_timeout_seconds)
        self.pool = ThreadPoolExecutor(CONCURRENCY, thread_name_prefix="webhook-delivery")
        self._in_flight: dict[Future[None], Claimed] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="webhook-deliveries", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.client.close()

    def deliver_due(self, now: datetime | None = None) -> int:
        """Claim what is due at `now` (default: the clock), send it, record it; how many were sent.
        With `now` given, attempts are concluded at that time too (retries, disabling)."""
        futures = self._submit(now, conclude_at=now)
        wait(futures)
        for future in futures:
            future.result()
        return len(futures)

    def _submit(self, now: datetime | None, conclude_at: datetime | None) -> list[Future[None]]:
        with self._lock:
            self._in_flight = {f: c for f, c in self._in_flight.items() if not f.done()}
            free = CONCURRENCY - len(self._in_flight)
            busy: dict[uuid.UUID, int] = {}
            for held in self._in_flight.values():
                busy[held.subscription_id] = busy.get(held.subscription_id, 0) + 1
        if free <= 0:
            return []
        claimed = claim(self.engine, self.settings, now or utcnow(), free, busy)
        futures = []
        with self._lock:
            for item in claimed:
                future = self.pool.submit(self._attempt, item, conclude_at)
                self._in_flight[future] = item
                futures.append(future)
        return futures

    def _attempt(self, claimed: Claimed, conclude_at: datetime | None) -> None:
        attempt = send(self.client, claimed, self.settings)
        try:
            record(self.engine, self.settings, claimed, attempt, conclude_at or utcnow())
        except Exception:
            # The database away: the delivery is sent again once its hold expires.
            log.warning("could not record a webhook attempt", exc_info=True)
            raise

    def _run(self) -> None:
        next_sweep = time.monotonic()
        while not self._stop.wait(self.settings.webhook_poll_seconds):
            try:
                self._submit(None, None)
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + SWEEP_EVERY_SECONDS
                    events, deliveries = sweep(self.engine, self.settings, utcnow())
                    if events or deliveries:
                        log.info("swept %d webhook events, %d deliveries", events, deliveries)
            except Exception:  # the database away: try again on the next tick
                log.warning("webhook deliveries failed; retrying", exc_info=True)
