"""Every query on web visitors, sessions, page views and engagement rules."""

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, update
from sqlmodel import Session, col, select

from crm_common.pagination import Paged, SortKey, keyset_page
from crm_routing.web.models import EngagementRule, PageView, WebSession, WebVisitor


def get_visitor(session: Session, visitor_id: str) -> WebVisitor | None:
    stmt = select(WebVisitor).where(col(WebVisitor.visitor_id) == visitor_id).with_for_update()
    return session.exec(stmt).first()


def get_session(
    session: Session, session_id: str, *, for_update: bool = False
) -> WebSession | None:
    stmt = select(WebSession).where(col(WebSession.session_id) == session_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def pages_of(session: Session, session_id: str) -> list[PageView]:
    """The session's page views in the order they happened (then as they arrived)."""
    stmt = (
        select(PageView)
        .where(col(PageView.session_id) == session_id)
        .order_by(col(PageView.occurred_at).asc(), col(PageView.id).asc())
    )
    return list(session.exec(stmt).all())


def mark_engaged(
    session: Session, session_id: str, now: datetime, rule: str, category: str | None
) -> bool:
    """Engage the session unless it is engaged already: the conditional update makes it once."""
    stmt = (
        update(WebSession)
        .where(col(WebSession.session_id) == session_id, col(WebSession.engaged_at).is_(None))
        .values(engaged_at=now, engaged_by=rule, category=category, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return cast(CursorResult[Any], session.execute(stmt)).rowcount == 1


def open_chat_offers(session: Session, agent_id: uuid.UUID, since: datetime) -> int:
    """Chats offered to the agent since `since` (they hold a place of its max_concurrent_chats)."""
    stmt = (
        select(func.count())
        .select_from(WebSession)
        .where(
            col(WebSession.offer_agent_id) == agent_id,
            col(WebSession.offer_type) == "chat",
            col(WebSession.offered_at) >= since,
        )
    )
    return int(session.exec(stmt).one())


def active_rules(session: Session) -> list[EngagementRule]:
    stmt = (
        select(EngagementRule)
        .where(col(EngagementRule.active).is_(True))
        .order_by(col(EngagementRule.position).asc(), col(EngagementRule.id).asc())
    )
    return list(session.exec(stmt).all())


def get_rule(
    session: Session, rule_id: uuid.UUID, *, for_update: bool = False
) -> EngagementRule | None:
    stmt = select(EngagementRule).where(col(EngagementRule.id) == rule_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def list_rules(session: Session, limit: int, cursor: str | None) -> Paged[EngagementRule]:
    return keyset_page(
        session,
        select(EngagementRule),
        [SortKey(col(EngagementRule.position)), SortKey(col(EngagementRule.id))],
        limit,
        cursor,
    )


def chat_offers_by_agent(session: Session, since: datetime) -> dict[uuid.UUID, int]:
    """Chats offered since `since`, per agent."""
    stmt = (
        select(WebSession.offer_agent_id, func.count())
        .where(col(WebSession.offer_type) == "chat", col(WebSession.offered_at) >= since)
        .group_by(col(WebSession.offer_agent_id))
    )
    return {agent_id: int(n) for agent_id, n in session.exec(stmt).all() if agent_id is not None}
