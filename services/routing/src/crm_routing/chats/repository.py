"""Every query on chats and chat messages, and on the chat load of agents."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, bindparam, exists, func, not_, or_
from sqlmodel import Session, col, select

from crm_common.db import UTCDateTime
from crm_common.pagination import Paged, SortKey, keyset_page
from crm_routing.access import RowScope, visible
from crm_routing.agents.models import Agent
from crm_routing.chats.models import Chat, ChatMessage
from crm_routing.web.models import WebSession


def get(
    session: Session,
    chat_id: uuid.UUID,
    *,
    for_update: bool = False,
    rows: RowScope | None = None,
) -> Chat | None:
    """The chat; with `rows`, only when they cover it."""
    stmt = select(Chat).where(col(Chat.id) == chat_id)
    condition = None if rows is None else visible("chat", rows, session.get_bind().dialect.name)
    if condition is not None:
        stmt = stmt.where(condition)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def of_session(session: Session, session_id: str) -> Chat | None:
    return session.exec(select(Chat).where(col(Chat.session_id) == session_id)).first()


def add_message(session: Session, chat_id: uuid.UUID, author: str, text: str) -> ChatMessage:
    message = ChatMessage(chat_id=chat_id, author=author, text=text)
    session.add(message)
    session.flush()
    return message


def messages_page(
    session: Session, chat_id: uuid.UUID, limit: int, cursor: str | None
) -> Paged[ChatMessage]:
    stmt = select(ChatMessage).where(col(ChatMessage.chat_id) == chat_id)
    return keyset_page(session, stmt, [SortKey(col(ChatMessage.id))], limit, cursor)


def messages_after(
    session: Session, chat_id: uuid.UUID, after: int, limit: int
) -> list[ChatMessage]:
    """The chat's messages with an id above `after`, oldest first."""
    stmt = (
        select(ChatMessage)
        .where(col(ChatMessage.chat_id) == chat_id, col(ChatMessage.id) > after)
        .order_by(col(ChatMessage.id).asc())
        .limit(limit)
    )
    return list(session.exec(stmt).all())


def _unaccepted_offers_since(since: Any) -> tuple[ColumnElement[bool], ...]:
    accepted = exists().where(col(Chat.session_id) == col(WebSession.session_id))
    return (
        col(WebSession.offer_type) == "chat",
        col(WebSession.offered_at) >= since,
        ~accepted,
    )


# The statements of a web offer are built once, with bind parameters (as a ringing call's are).
_OPEN_CHATS_OF = (
    select(func.count())
    .select_from(Chat)
    .where(col(Chat.agent_id) == bindparam("agent_id"), col(Chat.status) == "open")
)
_OFFERS_OF = (
    select(func.count())
    .select_from(WebSession)
    .where(
        col(WebSession.offer_agent_id) == bindparam("agent_id"),
        *_unaccepted_offers_since(bindparam("since")),
    )
)


_LOAD_OF = select(_OPEN_CHATS_OF.scalar_subquery() + _OFFERS_OF.scalar_subquery())


def chat_load(session: Session, agent_id: uuid.UUID, since: datetime) -> int:
    """The agent's open chats plus its chat offers since `since` not (yet) accepted."""
    params = {"agent_id": agent_id, "since": since}
    return int(session.exec(_LOAD_OF, params=params).one())


# How many candidates of each pool a web offer reads (the choice over these is the choice over all).
CHAT_CANDIDATES_PER_POOL = 5

# Per row of `agents`, its chat load: open chats plus chat offers since `since` not accepted.
_LOAD = col(Agent.open_chats) + (
    select(func.count())
    .select_from(WebSession)
    .where(
        col(WebSession.offer_agent_id) == col(Agent.id),
        *_unaccepted_offers_since(bindparam("since")),
    )
    .scalar_subquery()
)
_SINCE_READY = func.coalesce(Agent.ready_since, Agent.created_at, type_=UTCDateTime())
_UNDER_CAPACITY = select(Agent).where(
    col(Agent.active).is_(True),
    col(Agent.presence) == "ready",
    col(Agent.max_concurrent_chats) >= 1,
    col(Agent.max_concurrent_chats) > _LOAD,
)
_FREE = and_(
    col(Agent.current_call_id).is_(None),
    or_(col(Agent.wrap_up_until).is_(None), col(Agent.wrap_up_until) <= bindparam("now")),
)
_PREFERRED = _UNDER_CAPACITY.where(col(Agent.id).in_(bindparam("ids", expanding=True)))


@lru_cache(maxsize=512)
def _pools(category: str | None) -> tuple[Any, Any]:
    """(free to chat now, on a call or in wrap-up): the best experts of `category`, or the idle
    longest without one; one pair of statements per category."""
    if category is None:
        order: tuple[Any, ...] = (_SINCE_READY.asc(), col(Agent.id).asc())
        chosen = _UNDER_CAPACITY
    else:
        level = cast(Any, Agent.skills)[category].as_integer()
        order = (level.desc(), _SINCE_READY.asc(), col(Agent.id).asc())
        chosen = _UNDER_CAPACITY.where(level >= 1)
    return tuple(  # type: ignore[return-value]
        chosen.where(pool).order_by(*order).limit(bindparam("limit"))
        for pool in (_FREE, not_(_FREE))
    )


def chat_candidates(
    session: Session,
    now: datetime,
    since: datetime,
    *,
    preferred: Sequence[uuid.UUID],
    category: str | None,
    limit: int = CHAT_CANDIDATES_PER_POOL,
) -> list[Agent]:
    """Ready agents under their chat capacity that a web offer may choose from, not all of them:
    the `preferred` ones, and in each pool (free to chat now; on a call or in wrap-up) the `limit`
    best experts of `category` (highest level, then idle longest), or the `limit` idle longest when
    there is no category."""
    params: dict[str, Any] = {"now": now, "since": since, "limit": limit}
    queries = [(_PREFERRED, {**params, "ids": list(preferred)})] if preferred else []
    queries.extend((pool, params) for pool in _pools(category))
    found: dict[uuid.UUID, Agent] = {}
    for query, bound in queries:
        for agent in session.exec(query, params=bound).all():
            found.setdefault(agent.id, agent)
    return list(found.values())
