"""Every query of a customer's own orders."""

import uuid

from sqlmodel import Session, col, select

from crm_common.pagination import Paged, SortKey, keyset_page
from crm_orders.orders.models import Order


def get_own(session: Session, contact_id: uuid.UUID, order_id: uuid.UUID) -> Order | None:
    """The order `order_id` when it is the contact's; None for anyone else's."""
    stmt = select(Order).where(Order.id == order_id, Order.contact_id == contact_id)
    return session.exec(stmt).first()


def newest_page(
    session: Session, contact_id: uuid.UUID, limit: int, cursor: str | None
) -> Paged[Order]:
    """The contact's orders, newest first (ids are time-ordered)."""
    stmt = select(Order).where(Order.contact_id == contact_id)
    return keyset_page(session, stmt, [SortKey(col(Order.id), descending=True)], limit, cursor)
