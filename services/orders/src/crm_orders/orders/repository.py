"""Every query on orders, their lines and their status history."""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, insert
from sqlmodel import Session, col, select

from crm_common.db import table_of
from crm_common.pagination import Paged, SortKey, keyset_page
from crm_orders.orders.models import Order, OrderLineRow, OrderStatusEntry


@dataclass(frozen=True)
class OrderFilters:
    contact_id: uuid.UUID | None = None
    status: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


def get(
    session: Session,
    order_id: uuid.UUID,
    *,
    for_update: bool = False,
    visible: ColumnElement[bool] | None = None,
) -> Order | None:
    """The order, when it exists and `visible` (row-level access; None: any) holds for it."""
    stmt = select(Order).where(Order.id == order_id)
    if visible is not None:
        stmt = stmt.where(visible)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


# Built once: the values come as execution parameters, so each insert is a cached statement.
_INSERT_ORDER = insert(table_of(Order))
_INSERT_LINE = insert(table_of(OrderLineRow))
_INSERT_ENTRY = insert(table_of(OrderStatusEntry))


def insert_new(
    session: Session,
    *,
    order: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    entry: Mapping[str, Any],
) -> None:
    """A new order, its lines and its first status entry, as Core inserts (every column given)."""
    conn = session.connection()
    conn.execute(_INSERT_ORDER, dict(order))
    conn.execute(_INSERT_LINE, [dict(line) for line in lines])
    conn.execute(_INSERT_ENTRY, dict(entry))


def replace_lines(session: Session, order_id: uuid.UUID, lines: Sequence[OrderLineRow]) -> None:
    session.exec(delete(OrderLineRow).where(col(OrderLineRow.order_id) == order_id))
    session.add_all(lines)
    session.flush()


def add_status(session: Session, entry: OrderStatusEntry) -> None:
    session.add(entry)
    session.flush()


def lines_of(
    session: Session, order_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[OrderLineRow]]:
    found: dict[uuid.UUID, list[OrderLineRow]] = {i: [] for i in order_ids}
    if not order_ids:
        return found
    stmt = (
        select(OrderLineRow)
        .where(col(OrderLineRow.order_id).in_(list(order_ids)))
        .order_by(col(OrderLineRow.order_id), col(OrderLineRow.line_no))
    )
    for line in session.exec(stmt):
        found[line.order_id].append(line)
    return found


def history_of(
    session: Session, order_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[OrderStatusEntry]]:
    found: dict[uuid.UUID, list[OrderStatusEntry]] = {i: [] for i in order_ids}
    if not order_ids:
        return found
    stmt = (
        select(OrderStatusEntry)
        .where(col(OrderStatusEntry.order_id).in_(list(order_ids)))
        .order_by(col(OrderStatusEntry.order_id), col(OrderStatusEntry.id))
    )
    for entry in session.exec(stmt):
        found[entry.order_id].append(entry)
    return found


def list_page(
    session: Session,
    filters: OrderFilters,
    limit: int,
    cursor: str | None,
    visible: ColumnElement[bool] | None = None,
) -> Paged[Order]:
    """Orders matching `filters` (and `visible`) in id (creation) order; `created_to` is
    exclusive."""
    stmt = select(Order) if visible is None else select(Order).where(visible)
    if filters.contact_id is not None:
        stmt = stmt.where(Order.contact_id == filters.contact_id)
    if filters.status is not None:
        stmt = stmt.where(Order.status == filters.status)
    if filters.created_from is not None:
        stmt = stmt.where(Order.created_at >= filters.created_from)
    if filters.created_to is not None:
        stmt = stmt.where(Order.created_at < filters.created_to)
    return keyset_page(session, stmt, [SortKey(col(Order.id))], limit, cursor)
