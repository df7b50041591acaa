"""Every query on agents."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, func, or_, update
from sqlmodel import Session, col, select

from crm_common.db import UTCDateTime
from crm_common.pagination import Paged, SortKey, keyset_page
from crm_routing.agents.models import Agent


def get(session: Session, agent_id: uuid.UUID, *, for_update: bool = False) -> Agent | None:
    stmt = select(Agent).where(col(Agent.id) == agent_id, col(Agent.active).is_(True))
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def list_page(
    session: Session, team: str | None, presence: str | None, limit: int, cursor: str | None
) -> Paged[Agent]:
    stmt = select(Agent).where(col(Agent.active).is_(True))
    if team is not None:
        stmt = stmt.where(col(Agent.team) == team)
    if presence is not None:
        stmt = stmt.where(col(Agent.presence) == presence)
    return keyset_page(session, stmt, [SortKey(col(Agent.id))], limit, cursor)


def _available(now: Any) -> list[Any]:
    return [
        col(Agent.active).is_(True),
        col(Agent.presence) == "ready",
        col(Agent.current_call_id).is_(None),
        or_(col(Agent.wrap_up_until).is_(None), col(Agent.wrap_up_until) <= now),
        # Chats up to its capacity keep an agent busy (one taking no chats has none open).
        or_(col(Agent.open_chats) == 0, col(Agent.open_chats) < col(Agent.max_concurrent_chats)),
    ]


# How many candidates of each tier a ringing call reads; more are read only if these are taken.
CANDIDATES_PER_TIER = 5

Candidate = tuple[uuid.UUID, dict[str, int], datetime]

# The statements of a ringing call are built once (with bind parameters): building and keying a
# statement costs more Python than the database takes to run it.
_SINCE = func.coalesce(Agent.ready_since, Agent.created_at, type_=UTCDateTime())
_CANDIDATES = select(Agent.id, Agent.skills, _SINCE).where(*_available(bindparam("now")))
_PREFERRED = _CANDIDATES.where(col(Agent.id).in_(bindparam("ids", expanding=True)))
_IDLE_LONGEST = _CANDIDATES.order_by(_SINCE.asc(), col(Agent.id).asc()).limit(bindparam("limit"))


@lru_cache(maxsize=512)
def _experts(category: str) -> Any:
    """The free agents with a level in `category`, best first (one statement per category)."""
    level = cast(Any, Agent.skills)[category].as_integer()  # the JSON value, in SQL
    return (
        _CANDIDATES.where(level >= 1)
        .order_by(level.desc(), _SINCE.asc(), col(Agent.id).asc())
        .limit(bindparam("limit"))
    )


def available(
    session: Session,
    now: datetime,
    *,
    preferred: Sequence[str] = (),
    category: str | None = None,
    anyone: bool = False,
    limit: int = CANDIDATES_PER_TIER,
) -> list[Candidate]:
    """(id, skills, ready since) of free agents the choice needs, not every free agent: the
    `preferred` ones, the `limit` best experts of `category` (highest level, then idle longest) and,
    with `anyone`, the `limit` idle longest. The choice over these is the choice over all."""
    queries: list[tuple[Any, dict[str, Any]]] = []
    ids = [i for i in (agent_id_of(p) for p in preferred) if i is not None]
    if ids:
        queries.append((_PREFERRED, {"now": now, "ids": ids}))
    if category is not None:
        queries.append((_experts(category), {"now": now, "limit": limit}))
    if anyone:
        queries.append((_IDLE_LONGEST, {"now": now, "limit": limit}))
    found: dict[uuid.UUID, Candidate] = {}
    for query, params in queries:
        for row in session.exec(query, params=params).all():
            found.setdefault(row[0], (row[0], dict(row[1]), row[2]))
    return list(found.values())


def agent_id_of(value: str) -> uuid.UUID | None:
    """The agent id `value` spells (an owner_id may name no agent of routing), else None."""
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


_ON_SHIFT = (
    select(func.count())
    .select_from(Agent)
    .where(col(Agent.active).is_(True), col(Agent.presence).in_(("ready", "busy")))
)


def on_shift(session: Session) -> int:
    """Agents ready or busy (who will take queued calls)."""
    return int(session.exec(_ON_SHIFT).one())


_CLAIM = (
    update(Agent)
    .where(col(Agent.id) == bindparam("claimed_agent_id"), *_available(bindparam("now")))
    .values(current_call_id=bindparam("call_id"), wrap_up_until=None, updated_at=bindparam("now"))
    .execution_options(synchronize_session=False)  # the caller sets what it wrote
)


def claim(session: Session, agent_id: uuid.UUID, call_id: str, now: datetime) -> bool:
    """Give `call_id` to the agent if it is still available: the conditional update is what keeps
    two calls from one agent, on SQLite and PostgreSQL alike (the loser's WHERE no longer holds)."""
    params = {"claimed_agent_id": agent_id, "call_id": call_id, "now": now}
    return cast(CursorResult[Any], session.execute(_CLAIM, params)).rowcount == 1


def release(
    session: Session,
    agent_id: uuid.UUID,
    call_id: str,
    now: datetime,
    wrap_up_until: datetime | None,
) -> None:
    """Free the agent from `call_id` (if still on it); wrap-up moves its idle time forward."""
    values: dict[str, Any] = {"current_call_id": None, "updated_at": now}
    if wrap_up_until is not None:
        values["wrap_up_until"] = wrap_up_until
        values["ready_since"] = wrap_up_until
    stmt = (
        update(Agent)
        .where(col(Agent.id) == agent_id, col(Agent.current_call_id) == call_id)
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )
    session.execute(stmt)


def claim_unlocked(session: Session, agent_id: uuid.UUID, holder: str, now: datetime) -> bool:
    """`claim` for background sweeps (callbacks): an agent row another transaction holds counts
    as taken (PostgreSQL's SKIP LOCKED) instead of being waited for, so two sweeps never wait on
    each other's agents and cannot deadlock. The conditional update still decides."""
    free = (
        select(Agent.id)
        .where(col(Agent.id) == agent_id, *_available(now))
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    stmt = (
        update(Agent)
        .where(col(Agent.id) == free, *_available(now))
        .values(current_call_id=holder, wrap_up_until=None, updated_at=now)
        .execution_options(synchronize_session=False)  # the caller sets what it wrote
    )
    return cast(CursorResult[Any], session.execute(stmt)).rowcount == 1


def count_open_chat(session: Session, agent_id: uuid.UUID, change: int) -> None:
    """One more (1) or one fewer (-1) chat open with the agent."""
    stmt = (
        update(Agent)
        .where(col(Agent.id) == agent_id, col(Agent.open_chats) + change >= 0)
        .values(open_chats=col(Agent.open_chats) + change)
        .execution_options(synchronize_session="fetch")
    )
    session.execute(stmt)
