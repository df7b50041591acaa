"""Every query of the monitor: agents with their current call, the queue, chats and callbacks.

Chats and callbacks belong to their own modules; the monitor reads their tables through the
service's metadata, only when the table (with the columns it needs) is there, and counts nothing
otherwise (`None`).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, func
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from crm_routing.agents.models import Agent
from crm_routing.calls.models import Call
from crm_routing.tables import metadata

# Lists are bounded; the counts next to them are not.
MAX_LISTED = 500


@dataclass(frozen=True)
class AgentRow:
    id: uuid.UUID
    name: str
    team: str | None
    presence: str
    ready_since: datetime | None
    current_call_id: str | None
    wrap_up_until: datetime | None
    updated_at: datetime
    call_assigned_at: datetime | None
    open_chats: int
    max_concurrent_chats: int


def active_agents(session: Session) -> list[AgentRow]:
    """Every active agent, with when its current call (if any) was assigned to it."""
    stmt = (
        select_columns(
            col(Agent.id),
            col(Agent.name),
            col(Agent.team),
            col(Agent.presence),
            col(Agent.ready_since),
            col(Agent.current_call_id),
            col(Agent.wrap_up_until),
            col(Agent.updated_at),
            col(Call.assigned_at),
            col(Agent.open_chats),
            col(Agent.max_concurrent_chats),
        )
        .outerjoin(Call, col(Call.call_id) == col(Agent.current_call_id))
        .where(col(Agent.active).is_(True))
        .order_by(col(Agent.id))
    )
    return [AgentRow(*row) for row in session.execute(stmt).all()]


def waiting_calls(session: Session, limit: int = MAX_LISTED) -> list[Call]:
    """Queued calls in queue order (highest priority, then the longest waiting), the first `limit`."""
    stmt = (
        select(Call)
        .where(col(Call.status) == "queued")
        .order_by(col(Call.priority).desc(), col(Call.queued_at).asc(), col(Call.call_id).asc())
        .limit(limit)
    )
    return list(session.exec(stmt).all())


def waiting_count(session: Session) -> int:
    stmt = select(func.count()).select_from(Call).where(col(Call.status) == "queued")
    return int(session.exec(stmt).one())


def _table(name: str, *columns: str) -> Table | None:
    table = metadata.tables.get(name)
    if table is None or any(c not in table.c for c in columns):
        return None
    return table


CALLBACKS = _table("callbacks", "status", "next_attempt_at", "window_to")
CHATS = _table("chats", "status")
ACTIVE_CHAT_STATUSES = ("open",)


def callbacks_due(session: Session, now: datetime) -> tuple[int, datetime | None] | None:
    """(how many, the oldest due time) of scheduled callbacks whose next attempt is due and whose
    window is open (what the callbacks dispatcher takes next); None while the service keeps no
    callbacks."""
    if CALLBACKS is None:
        return None
    due = (
        CALLBACKS.c.status == "scheduled",
        CALLBACKS.c.next_attempt_at <= now,
        CALLBACKS.c.window_to > now,
    )
    stmt = select(func.count(), func.min(CALLBACKS.c.next_attempt_at)).where(*due)
    count, oldest = session.exec(stmt).one()
    return int(count), oldest


def active_chats(session: Session) -> int | None:
    """Chats under way; None while the service keeps no chats."""
    if CHATS is None:
        return None
    stmt = select(func.count()).where(CHATS.c.status.in_(ACTIVE_CHAT_STATUSES))
    return int(session.exec(stmt).one())
