"""Every query on web visitors, sessions, page views and engagement rules."""

import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, insert, update
from sqlmodel import Session, SQLModel, col, select

from crm_common.db import conflict_insert, table_of
from crm_common.pagination import Paged, SortKey, keyset_page
from crm_routing.access import RowScope, visible
from crm_routing.web.models import EngagementRule, PageView, WebSession, WebVisitor


def visitors_locked(session: Session, visitor_ids: Sequence[str]) -> list[WebVisitor]:
    stmt = select(WebVisitor).where(col(WebVisitor.visitor_id).in_(visitor_ids)).with_for_update()
    return list(session.exec(stmt).all())


def sessions_locked(session: Session, session_ids: Sequence[str]) -> list[WebSession]:
    stmt = select(WebSession).where(col(WebSession.session_id).in_(session_ids)).with_for_update()
    return list(session.exec(stmt).all())


def insert_absent(session: Session, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
    """Insert the rows whose key is not taken yet (a concurrent writer's row stays as it is)."""
    insert = conflict_insert(session.get_bind().dialect.name)
    session.execute(insert(table_of(model)).on_conflict_do_nothing(), list(rows))


def add_page_views(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """The batch's page views, in one statement (executemany)."""
    session.execute(_INSERT_PAGE_VIEW, list(rows))


_INSERT_PAGE_VIEW = insert(table_of(PageView))


def get_session(
    session: Session, session_id: str, *, for_update: bool = False, rows: RowScope | None = None
) -> WebSession | None:
    """The web session; with `rows`, only when they cover it."""
    stmt = select(WebSession).where(col(WebSession.session_id) == session_id)
    dialect = session.get_bind().dialect.name
    condition = None if rows is None else visible("session", rows, dialect)
    if condition is not None:
        stmt = stmt.where(condition)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def pages_of_sessions(session: Session, session_ids: Sequence[str]) -> dict[str, list[PageView]]:
    """Each session's page views in the order they happened (then as they arrived)."""
    stmt = (
        select(PageView)
        .where(col(PageView.session_id).in_(session_ids))
        .order_by(col(PageView.occurred_at).asc(), col(PageView.id).asc())
    )
    pages: dict[str, list[PageView]] = {session_id: [] for session_id in session_ids}
    for view in session.exec(stmt).all():
        pages[view.session_id].append(view)
    return pages


def mark_engaged(session: Session, session_id: str, values: dict[str, Any]) -> bool:
    """Engage the session (with its offer) unless it is engaged already: the conditional update
    makes it once."""
    stmt = (
        update(WebSession)
        .where(col(WebSession.session_id) == session_id, col(WebSession.engaged_at).is_(None))
        .values(**values)
        .execution_options(synchronize_session=False)  # the caller sets what it wrote
    )
    return cast(CursorResult[Any], session.execute(stmt)).rowcount == 1


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
