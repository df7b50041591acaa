"""Every query on calls."""

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, func, or_, update
from sqlmodel import Session, col, select

from crm_routing.calls.models import Call


def get(session: Session, call_id: str, *, for_update: bool = False) -> Call | None:
    stmt = select(Call).where(col(Call.call_id) == call_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def waiting(session: Session) -> list[Call]:
    """Queued calls, highest priority first, then the longest waiting."""
    stmt = (
        select(Call)
        .where(col(Call.status) == "queued")
        .order_by(col(Call.priority).desc(), col(Call.queued_at).asc(), col(Call.call_id).asc())
    )
    return list(session.exec(stmt).all())


def any_waiting(session: Session) -> bool:
    stmt = select(Call.call_id).where(col(Call.status) == "queued").limit(1)
    return session.exec(stmt).first() is not None


def position(session: Session, call: Call) -> int:
    """1 for the call that is next, counting the queued calls ahead of `call`."""
    ahead = or_(
        col(Call.priority) > call.priority,
        and_(col(Call.priority) == call.priority, col(Call.queued_at) < call.queued_at),
        and_(
            col(Call.priority) == call.priority,
            col(Call.queued_at) == call.queued_at,
            col(Call.call_id) < call.call_id,
        ),
    )
    stmt = select(func.count()).select_from(Call).where(col(Call.status) == "queued", ahead)
    return int(session.exec(stmt).one()) + 1


def last_agent(
    session: Session, contact_id: uuid.UUID | None, number: str | None
) -> uuid.UUID | None:
    """The agent who last answered a call of this contact (else of this number)."""
    for column, value in ((col(Call.contact_id), contact_id), (col(Call.from_number), number)):
        if value is None:
            continue
        stmt = (
            select(Call.agent_id)
            .where(column == value, col(Call.answered_at).is_not(None))
            .order_by(col(Call.answered_at).desc())
            .limit(1)
        )
        found = session.exec(stmt).first()
        if found is not None:
            return found
    return None


def claim(session: Session, call_id: str, agent_id: uuid.UUID, now: datetime) -> bool:
    """Assign a queued call: the conditional update means a call is assigned once."""
    stmt = (
        update(Call)
        .where(col(Call.call_id) == call_id, col(Call.status) == "queued")
        .values(
            status="assigned",
            agent_id=agent_id,
            assigned_at=now,
            version=col(Call.version) + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)  # the caller sets what it wrote
    )
    return cast(CursorResult[Any], session.execute(stmt)).rowcount == 1


def unclaim(session: Session, call_id: str, now: datetime) -> None:
    """Put a call claimed in this transaction back in the queue (its agent was taken meanwhile)."""
    stmt = (
        update(Call)
        .where(col(Call.call_id) == call_id, col(Call.status) == "assigned")
        .values(status="queued", agent_id=None, assigned_at=None, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    session.execute(stmt)


def waiting_count(session: Session) -> int:
    stmt = select(func.count()).select_from(Call).where(col(Call.status) == "queued")
    return int(session.exec(stmt).one())
