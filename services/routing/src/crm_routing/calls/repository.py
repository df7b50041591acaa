"""Every query on calls.

The statements a ringing call runs are built once, with bind parameters: building and keying a
statement costs more Python than SQLite takes to run it.
"""

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, bindparam, func, or_, update
from sqlmodel import Session, col, select

from crm_routing.access import RowScope, visible
from crm_routing.calls.models import Call

_GET = select(Call).where(col(Call.call_id) == bindparam("call_id"))
_GET_FOR_UPDATE = _GET.with_for_update()
_WAITING = (
    select(Call)
    .where(col(Call.status) == "queued")
    .order_by(col(Call.priority).desc(), col(Call.queued_at).asc(), col(Call.call_id).asc())
)
_ANY_WAITING = select(Call.call_id).where(col(Call.status) == "queued").limit(1)


def get(session: Session, call_id: str, *, for_update: bool = False) -> Call | None:
    stmt = _GET_FOR_UPDATE if for_update else _GET
    return session.exec(stmt, params={"call_id": call_id}).first()


def get_visible(session: Session, call_id: str, rows: RowScope) -> Call | None:
    """The call when `rows` covers it (the plain statement when it covers every call)."""
    condition = visible("call", rows, session.get_bind().dialect.name)
    stmt = _GET if condition is None else _GET.where(condition)
    return session.exec(stmt, params={"call_id": call_id}).first()


def waiting(session: Session) -> list[Call]:
    """Queued calls, highest priority first, then the longest waiting."""
    return list(session.exec(_WAITING).all())


def any_waiting(session: Session) -> bool:
    return session.exec(_ANY_WAITING).first() is not None


_AHEAD = or_(
    col(Call.priority) > bindparam("priority"),
    and_(col(Call.priority) == bindparam("priority"), col(Call.queued_at) < bindparam("queued_at")),
    and_(
        col(Call.priority) == bindparam("priority"),
        col(Call.queued_at) == bindparam("queued_at"),
        col(Call.call_id) < bindparam("call_id"),
    ),
)
_POSITION = select(func.count()).select_from(Call).where(col(Call.status) == "queued", _AHEAD)


def position(session: Session, call: Call) -> int:
    """1 for the call that is next, counting the queued calls ahead of `call`."""
    params = {"priority": call.priority, "queued_at": call.queued_at, "call_id": call.call_id}
    return int(session.exec(_POSITION, params=params).one()) + 1


def last_agent(
    session: Session, contact_id: uuid.UUID | None, number: str | None
) -> uuid.UUID | None:
    """The agent who last answered a call of this contact (else of this number)."""
    for stmt, value in ((_LAST_BY_CONTACT, contact_id), (_LAST_BY_NUMBER, number)):
        if value is None:
            continue
        found: uuid.UUID | None = session.exec(stmt, params={"value": value}).first()
        if found is not None:
            return found
    return None


def _last_agent_by(column: Any) -> Any:
    return (
        select(Call.agent_id)
        .where(column == bindparam("value"), col(Call.answered_at).is_not(None))
        .order_by(col(Call.answered_at).desc())
        .limit(1)
    )


_LAST_BY_CONTACT = _last_agent_by(col(Call.contact_id))
_LAST_BY_NUMBER = _last_agent_by(col(Call.from_number))

_CLAIM = (
    update(Call)
    .where(col(Call.call_id) == bindparam("claimed_call_id"), col(Call.status) == "queued")
    .values(
        status="assigned",
        agent_id=bindparam("claiming_agent_id"),
        assigned_at=bindparam("now"),
        version=col(Call.version) + 1,
        updated_at=bindparam("now"),
    )
    .execution_options(synchronize_session=False)  # the caller sets what it wrote
)


def claim(session: Session, call_id: str, agent_id: uuid.UUID, now: datetime) -> bool:
    """Assign a queued call: the conditional update means a call is assigned once."""
    params = {"claimed_call_id": call_id, "claiming_agent_id": agent_id, "now": now}
    return cast(CursorResult[Any], session.execute(_CLAIM, params)).rowcount == 1


def unclaim(session: Session, call_id: str, now: datetime) -> None:
    """Put a call claimed in this transaction back in the queue (its agent was taken meanwhile)."""
    stmt = (
        update(Call)
        .where(col(Call.call_id) == call_id, col(Call.status) == "assigned")
        .values(status="queued", agent_id=None, assigned_at=None, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    session.execute(stmt)


_WAITING_COUNT = select(func.count()).select_from(Call).where(col(Call.status) == "queued")


def waiting_count(session: Session) -> int:
    return int(session.exec(_WAITING_COUNT).one())
