"""Every query on callbacks and their attempts.

The sweep's reads lock what they return with SKIP LOCKED (PostgreSQL; SQLite has one writer at a
time): sweeps running at once share the due callbacks out instead of queueing on each other."""

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlmodel import Session, col, select

from crm_common.pagination import Paged, SortKey, keyset_page
from crm_routing.access import RowScope, visible
from crm_routing.callbacks.models import Callback, CallbackAttempt
from crm_routing.readmodel.models import KnownPhone


def get(
    session: Session,
    callback_id: uuid.UUID,
    *,
    for_update: bool = False,
    rows: RowScope | None = None,
) -> Callback | None:
    """The callback; with `rows`, only when they cover it."""
    stmt = select(Callback).where(col(Callback.id) == callback_id)
    condition = None if rows is None else visible("callback", rows, _dialect(session))
    if condition is not None:
        stmt = stmt.where(condition)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def list_page(
    session: Session,
    *,
    status: str | None,
    contact_id: uuid.UUID | None,
    due_before: datetime | None,
    rows: RowScope,
    limit: int,
    cursor: str | None,
) -> Paged[Callback]:
    """Oldest first, of the callbacks `rows` cover; `due_before`: scheduled callbacks whose next
    attempt is due before then."""
    stmt = select(Callback)
    condition = visible("callback", rows, _dialect(session))
    if condition is not None:
        stmt = stmt.where(condition)
    if status is not None:
        stmt = stmt.where(col(Callback.status) == status)
    if contact_id is not None:
        stmt = stmt.where(col(Callback.contact_id) == contact_id)
    if due_before is not None:
        stmt = stmt.where(
            col(Callback.status) == "scheduled", col(Callback.next_attempt_at) < due_before
        )
    return keyset_page(session, stmt, [SortKey(col(Callback.id))], limit, cursor)


def attempts_of(session: Session, callback_id: uuid.UUID) -> list[CallbackAttempt]:
    stmt = (
        select(CallbackAttempt)
        .where(col(CallbackAttempt.callback_id) == callback_id)
        .order_by(col(CallbackAttempt.number))
    )
    return list(session.exec(stmt).all())


def get_attempt(
    session: Session, callback_id: uuid.UUID, number: int, *, for_update: bool = False
) -> CallbackAttempt | None:
    stmt = select(CallbackAttempt).where(
        col(CallbackAttempt.callback_id) == callback_id, col(CallbackAttempt.number) == number
    )
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def due(session: Session, now: datetime, limit: int) -> list[Callback]:
    """Scheduled callbacks whose next attempt is due and whose window is open, the longest due
    first; rows another sweep holds are skipped."""
    stmt = (
        select(Callback)
        .where(
            col(Callback.status) == "scheduled",
            col(Callback.next_attempt_at) <= now,
            col(Callback.window_to) > now,
        )
        .order_by(col(Callback.next_attempt_at), col(Callback.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(stmt).all())


def scheduled_needing(
    session: Session, contact_ids: list[uuid.UUID], purposes: list[str]
) -> list[Callback]:
    """The contacts' scheduled callbacks of `purposes`, locked."""
    stmt = (
        select(Callback)
        .where(
            col(Callback.status) == "scheduled",
            col(Callback.contact_id).in_(contact_ids),
            col(Callback.purpose).in_(purposes),
        )
        .order_by(col(Callback.id))
        .with_for_update()
    )
    return list(session.exec(stmt).all())


def window_passed(session: Session, now: datetime, limit: int) -> list[Callback]:
    """Scheduled callbacks whose window closed (rows another transaction holds are skipped)."""
    stmt = (
        select(Callback)
        .where(col(Callback.status) == "scheduled", col(Callback.window_to) <= now)
        .order_by(col(Callback.window_to), col(Callback.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(stmt).all())


def stuck_attempts(
    session: Session, started_before: datetime, limit: int
) -> list[tuple[CallbackAttempt, Callback]]:
    """Attempts without an outcome started before `started_before`, with their callbacks (locked;
    a callback whose outcome is being reported right now is skipped)."""
    stmt = (
        select(CallbackAttempt, Callback)
        .join(Callback, col(Callback.id) == col(CallbackAttempt.callback_id))
        .where(
            col(CallbackAttempt.outcome).is_(None),
            col(CallbackAttempt.started_at) <= started_before,
        )
        .order_by(col(CallbackAttempt.started_at), col(CallbackAttempt.id))
        .limit(limit)
        .with_for_update(of=cast(Any, Callback), skip_locked=True)
    )
    return [(attempt, callback) for attempt, callback in session.exec(stmt).all()]


def any_due(session: Session, now: datetime) -> bool:
    stmt = select(Callback.id).where(
        col(Callback.status) == "scheduled",
        col(Callback.next_attempt_at) <= now,
        col(Callback.window_to) > now,
    )
    return session.exec(stmt.limit(1)).first() is not None


def anything_to_close(session: Session, now: datetime, started_before: datetime) -> bool:
    """Whether a scheduled callback's window closed or an attempt went unreported too long."""
    passed = select(Callback.id).where(
        col(Callback.status) == "scheduled", col(Callback.window_to) <= now
    )
    stuck = select(CallbackAttempt.id).where(
        col(CallbackAttempt.outcome).is_(None),
        col(CallbackAttempt.started_at) <= started_before,
    )
    return any(session.exec(stmt.limit(1)).first() is not None for stmt in (passed, stuck))


def claim(session: Session, callback: Callback, agent_id: uuid.UUID, now: datetime) -> bool:
    """Start the next attempt of a scheduled callback: the conditional update means an attempt
    starts once, however many sweeps run."""
    stmt = (
        update(Callback)
        .where(
            col(Callback.id) == callback.id,
            col(Callback.status) == "scheduled",
            col(Callback.attempts) == callback.attempts,
        )
        .values(
            status="in_progress",
            attempts=callback.attempts + 1,
            agent_id=agent_id,
            next_attempt_at=None,
            version=callback.version + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)  # the caller sets what it wrote
    )
    return cast(CursorResult[Any], session.execute(stmt)).rowcount == 1


def unclaim(session: Session, callback: Callback) -> None:
    """Undo `claim` in the same transaction (its agent was taken meanwhile): `callback` still
    holds the values from before the claim."""
    stmt = (
        update(Callback)
        .where(col(Callback.id) == callback.id, col(Callback.status) == "in_progress")
        .values(
            status="scheduled",
            attempts=callback.attempts,
            agent_id=callback.agent_id,
            next_attempt_at=callback.next_attempt_at,
            version=callback.version,
            updated_at=callback.updated_at,
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(stmt)


def phone_of_contact(session: Session, contact_id: uuid.UUID) -> str | None:
    """The number to call a known contact on (the first of its numbers, in E.164 order)."""
    stmt = (
        select(KnownPhone.number)
        .where(col(KnownPhone.contact_id) == contact_id)
        .order_by(col(KnownPhone.number))
        .limit(1)
    )
    return session.exec(stmt).first()
