"""Every query on webhook subscriptions, stored events, deliveries and attempts.

The delivery worker's claim locks what it returns with SKIP LOCKED (PostgreSQL; SQLite has one
writer at a time): workers of several gateway instances share the due deliveries out instead of
queueing on each other."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, delete, insert, or_, update
from sqlmodel import Session, col, select

from crm_common.db import table_of
from crm_common.pagination import Paged, SortKey, keyset_page
from crm_gateway.webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

# Ids are UUIDv7: subscriptions oldest first, deliveries newest first.
SUBSCRIPTION_ORDER = [SortKey(col(WebhookSubscription.id))]
DELIVERY_ORDER = [SortKey(col(WebhookDelivery.id), descending=True)]
INSERT_CHUNK = 1000

# --- subscriptions -------------------------------------------------------------------------------


def get(
    session: Session, subscription_id: uuid.UUID, *, for_update: bool = False
) -> WebhookSubscription | None:
    """`for_update`: locked, and read afresh even when the session holds it already."""
    stmt = select(WebhookSubscription).where(col(WebhookSubscription.id) == subscription_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.exec(stmt).first()


def list_page(
    session: Session, *, owner: str | None, limit: int, cursor: str | None
) -> Paged[WebhookSubscription]:
    """`owner`: only the subscriptions of that principal (None: every one)."""
    stmt = select(WebhookSubscription)
    if owner is not None:
        stmt = stmt.where(col(WebhookSubscription.owner) == owner)
    return keyset_page(session, stmt, SUBSCRIPTION_ORDER, limit, cursor)


def enabled_subscriptions(session: Session) -> list[WebhookSubscription]:
    stmt = select(WebhookSubscription).where(col(WebhookSubscription.status) == "enabled")
    return list(session.exec(stmt).all())


def enabled_subscriptions_of(session: Session, owner: str) -> list[WebhookSubscription]:
    stmt = select(WebhookSubscription).where(
        col(WebhookSubscription.owner) == owner, col(WebhookSubscription.status) == "enabled"
    )
    return list(session.exec(stmt.with_for_update()).all())


def delete_subscription(session: Session, subscription_id: uuid.UUID) -> None:
    """The subscription with its deliveries and their attempts."""
    deliveries = select(WebhookDelivery.id).where(
        col(WebhookDelivery.subscription_id) == subscription_id
    )
    _delete_deliveries(session, deliveries)
    session.execute(
        delete(WebhookSubscription).where(col(WebhookSubscription.id) == subscription_id)
    )


# --- events --------------------------------------------------------------------------------------


def get_event(session: Session, event_id: uuid.UUID) -> WebhookEvent | None:
    return session.get(WebhookEvent, event_id)


def _type_filter(exact: Sequence[str], prefixes: Sequence[str]) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = []
    if exact:
        clauses.append(col(WebhookEvent.type).in_(exact))
    clauses += [col(WebhookEvent.type).startswith(prefix, autoescape=True) for prefix in prefixes]
    return or_(*clauses)


def events_between(
    session: Session,
    since: datetime,
    until: datetime | None,
    exact: Sequence[str],
    prefixes: Sequence[str],
) -> list[tuple[uuid.UUID, str]]:
    """Ids and types of the stored events of those types with `since <= time < until`, in order."""
    stmt = select(WebhookEvent.id, WebhookEvent.type).where(
        col(WebhookEvent.time) >= since, _type_filter(exact, prefixes)
    )
    if until is not None:
        stmt = stmt.where(col(WebhookEvent.time) < until)
    stmt = stmt.order_by(col(WebhookEvent.time), col(WebhookEvent.id))
    return [(event_id, event_type) for event_id, event_type in session.exec(stmt).all()]


def delete_events_of_contact(session: Session, contact_id: uuid.UUID) -> int:
    """The contact's stored events and their pending deliveries; the log of finished ones stays
    (it holds no payload). Returns how many events were deleted."""
    events = select(WebhookEvent.id).where(col(WebhookEvent.contact_id) == contact_id)
    pending = select(WebhookDelivery.id).where(
        col(WebhookDelivery.event_id).in_(events), col(WebhookDelivery.status) == "pending"
    )
    _delete_deliveries(session, pending)
    result = session.execute(delete(WebhookEvent).where(col(WebhookEvent.id).in_(events)))
    return _rowcount(result)


def delete_older_than(session: Session, cutoff: datetime) -> tuple[int, int]:
    """Events that happened, and deliveries created, before `cutoff`: (events, deliveries)."""
    old = select(WebhookDelivery.id).where(col(WebhookDelivery.created_at) < cutoff)
    deliveries = _delete_deliveries(session, old)
    events = session.execute(delete(WebhookEvent).where(col(WebhookEvent.time) < cutoff))
    return _rowcount(events), deliveries


# --- deliveries ----------------------------------------------------------------------------------


def add_deliveries(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    """Insert delivery rows (column → value), a chunk at a time; returns how many."""
    batch: list[dict[str, Any]] = []
    count = 0
    for row in rows:
        batch.append(row)
        if len(batch) == INSERT_CHUNK:
            session.execute(insert(table_of(WebhookDelivery)), batch)
            count, batch = count + len(batch), []
    if batch:
        session.execute(insert(table_of(WebhookDelivery)), batch)
        count += len(batch)
    return count


def deliveries_page(
    session: Session,
    subscription_id: uuid.UUID,
    *,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> Paged[WebhookDelivery]:
    stmt = select(WebhookDelivery).where(col(WebhookDelivery.subscription_id) == subscription_id)
    if status is not None:
        stmt = stmt.where(col(WebhookDelivery.status) == status)
    return keyset_page(session, stmt, DELIVERY_ORDER, limit, cursor)


def attempts_of(
    session: Session, delivery_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[WebhookAttempt]]:
    """Each delivery's attempts, the first first."""
    found: dict[uuid.UUID, list[WebhookAttempt]] = {delivery_id: [] for delivery_id in delivery_ids}
    if not delivery_ids:
        return found
    stmt = (
        select(WebhookAttempt)
        .where(col(WebhookAttempt.delivery_id).in_(delivery_ids))
        .order_by(col(WebhookAttempt.delivery_id), col(WebhookAttempt.number))
    )
    for attempt in session.exec(stmt).all():
        found[attempt.delivery_id].append(attempt)
    return found


def any_due(session: Session, now: datetime) -> bool:
    """Whether `due` would find anything (a read that takes no lock)."""
    stmt = (
        select(WebhookDelivery.id)
        .join(
            WebhookSubscription,
            col(WebhookSubscription.id) == col(WebhookDelivery.subscription_id),
        )
        .where(
            col(WebhookDelivery.status) == "pending",
            col(WebhookDelivery.next_attempt_at) <= now,
            col(WebhookSubscription.status) == "enabled",
        )
    )
    return session.exec(stmt.limit(1)).first() is not None


def due(
    session: Session, now: datetime, limit: int
) -> list[tuple[WebhookDelivery, WebhookSubscription, WebhookEvent | None]]:
    """Pending deliveries of enabled subscriptions that are due, the longest due first, with their
    subscriptions and events (None: no longer stored). Rows another worker holds are skipped."""
    stmt = (
        select(WebhookDelivery, WebhookSubscription, WebhookEvent)
        .join(
            WebhookSubscription,
            col(WebhookSubscription.id) == col(WebhookDelivery.subscription_id),
        )
        .outerjoin(WebhookEvent, col(WebhookEvent.id) == col(WebhookDelivery.event_id))
        .where(
            col(WebhookDelivery.status) == "pending",
            col(WebhookDelivery.next_attempt_at) <= now,
            col(WebhookSubscription.status) == "enabled",
        )
        .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
        .limit(limit)
        .with_for_update(of=cast(Any, WebhookDelivery), skip_locked=True)
    )
    return [(d, s, e) for d, s, e in session.exec(stmt).all()]


def hold(session: Session, delivery_ids: Sequence[uuid.UUID], until: datetime) -> None:
    """Keep claimed deliveries from other workers until `until` (the attempts' deadline)."""
    session.execute(
        update(WebhookDelivery)
        .where(col(WebhookDelivery.id).in_(delivery_ids))
        .values(next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )


def get_delivery_for_update(session: Session, delivery_id: uuid.UUID) -> WebhookDelivery | None:
    stmt = select(WebhookDelivery).where(col(WebhookDelivery.id) == delivery_id).with_for_update()
    return session.exec(stmt).first()


def _delete_deliveries(session: Session, ids: Any) -> int:
    """Delete the deliveries whose ids `ids` (a subquery) selects, attempts first."""
    session.execute(delete(WebhookAttempt).where(col(WebhookAttempt.delivery_id).in_(ids)))
    result = session.execute(delete(WebhookDelivery).where(col(WebhookDelivery.id).in_(ids)))
    return _rowcount(result)


def _rowcount(result: Any) -> int:
    return int(result.rowcount)
