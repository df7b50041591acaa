"""Every query on quotes and the number counter."""

import uuid
from datetime import date

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from crm_common.db import conflict_insert, table_of
from crm_common.pagination import Paged, SortKey, keyset_page
from crm_orders.quotes.models import Quote, SalesCounter

QUOTE_COUNTER = "quote"
# Statuses in which a quote expires when its validity ends.
OPEN = ("draft", "sent")


def get(
    session: Session,
    quote_id: uuid.UUID,
    *,
    for_update: bool = False,
    visible: ColumnElement[bool] | None = None,
) -> Quote | None:
    """The quote, when it exists and `visible` (row-level access; None: any) holds for it."""
    stmt = select(Quote).where(Quote.id == quote_id)
    if visible is not None:
        stmt = stmt.where(visible)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def next_number(session: Session) -> int:
    """The next quote number, with no gaps: one upsert that creates or increments the counter and
    keeps its row locked until commit, so concurrent quotes queue for their numbers."""
    counters = table_of(SalesCounter)
    conn = session.connection()
    upsert = conflict_insert(conn.dialect.name)
    stmt = upsert(counters).values(name=QUOTE_COUNTER, value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[counters.c.name], set_={"value": counters.c.value + 1}
    )
    return int(conn.execute(stmt.returning(counters.c.value)).scalar_one())


def list_page(
    session: Session,
    opportunity_id: uuid.UUID | None,
    status: str | None,
    today: date,
    limit: int,
    cursor: str | None,
    visible: ColumnElement[bool] | None = None,
) -> Paged[Quote]:
    """Quotes (those `visible` holds for) in creation order; `status` as shown: "expired" is a
    draft or sent quote past its validity, and "draft" and "sent" mean the unexpired ones."""
    stmt = select(Quote) if visible is None else select(Quote).where(visible)
    if opportunity_id is not None:
        stmt = stmt.where(col(Quote.opportunity_id) == opportunity_id)
    if status == "expired":
        stmt = stmt.where(col(Quote.status).in_(OPEN), col(Quote.valid_until) < today)
    elif status in OPEN:
        stmt = stmt.where(col(Quote.status) == status, col(Quote.valid_until) >= today)
    elif status is not None:
        stmt = stmt.where(col(Quote.status) == status)
    return keyset_page(session, stmt, [SortKey(col(Quote.id))], limit, cursor)
