"""A customer's own orders: the order rules of `crm_orders.orders.service`, applied only to
orders of the token's contact (anyone else's is not found), answered as the customer sees them."""

import uuid
from collections.abc import Sequence

from sqlmodel import Session

from crm_common.auth import Principal
from crm_common.errors import Forbidden
from crm_common.pagination import Paged
from crm_orders.access import EVERYTHING
from crm_orders.configurator.pricing import LineIn
from crm_orders.me import repository
from crm_orders.me.schemas import (
    MyOpportunityRead,
    MyOrderCreate,
    MyOrderRead,
    MyQuoteRead,
    MyStatusEntry,
)
from crm_orders.opportunities.schemas import OpportunityRead
from crm_orders.orders import service as orders
from crm_orders.orders.errors import OrderNotFound
from crm_orders.orders.schemas import OrderRead, OrderUpdate
from crm_orders.quotes.schemas import QuoteRead


def contact_of(principal: Principal) -> uuid.UUID:
    """The contact of a customer token (403 when it names none that could exist)."""
    try:
        return uuid.UUID(str(principal.contact_id))
    except ValueError as exc:
        raise Forbidden("The customer token names no valid contact.") from exc


# --- the customer's view ---------------------------------------------------------------------------


def my_order(read: OrderRead) -> MyOrderRead:
    return MyOrderRead(
        id=read.id,
        number=read.number,
        status=read.status,
        currency=read.currency,
        lines=read.lines,
        subtotal=read.subtotal,
        total=read.total,
        delivery_address=read.delivery_address,
        tracking=read.tracking,
        version=read.version,
        placed_at=read.placed_at,
        created_at=read.created_at,
        updated_at=read.updated_at,
        history=[
            MyStatusEntry(
                status=entry.status,
                from_status=entry.from_status,
                occurred_at=entry.occurred_at,
                source=entry.source,
                reason=entry.reason if entry.source == "customer" else None,
                tracking=entry.tracking,
            )
            for entry in read.history
        ],
    )


def my_quotes(reads: Sequence[QuoteRead]) -> list[MyQuoteRead]:
    """The quotes the customer was sent (drafts are the sales team's work in progress)."""
    return [
        MyQuoteRead.model_validate(read.model_dump(include=set(MyQuoteRead.model_fields)))
        for read in reads
        if read.sent_at is not None
    ]


def my_opportunities(reads: Sequence[OpportunityRead]) -> list[MyOpportunityRead]:
    return [
        MyOpportunityRead.model_validate(
            read.model_dump(include=set(MyOpportunityRead.model_fields))
        )
        for read in reads
    ]


# --- reading ---------------------------------------------------------------------------------------


def _require_own(session: Session, contact_id: uuid.UUID, order_id: uuid.UUID) -> None:
    """404 for an order that is not the contact's, exactly as for one that does not exist."""
    if repository.get_own(session, contact_id, order_id) is None:
        raise OrderNotFound(order_id)


def list_my_orders(
    session: Session, principal: Principal, limit: int, cursor: str | None
) -> Paged[MyOrderRead]:
    rows, next_cursor = repository.newest_page(session, contact_of(principal), limit, cursor)
    return [my_order(read) for read in orders.to_reads(session, rows)], next_cursor


def get_my_order(session: Session, principal: Principal, order_id: uuid.UUID) -> MyOrderRead:
    _require_own(session, contact_of(principal), order_id)
    return my_order(orders.get_order(session, order_id, EVERYTHING))


# --- writing ---------------------------------------------------------------------------------------


def create_my_order(session: Session, data: MyOrderCreate, principal: Principal) -> MyOrderRead:
    """The customer's own order, under the rules of every order (410 once the contact is erased)."""
    return my_order(
        orders.create_order(
            session,
            contact_id=contact_of(principal),
            currency=data.currency,
            lines=[
                LineIn(product_id=line.product_id, options=line.options, quantity=line.quantity)
                for line in data.lines
            ],
            delivery_address=data.delivery_address,
            principal=principal,
            draft=data.draft,
        )
    )


def amend_my_order(
    session: Session,
    order_id: uuid.UUID,
    data: OrderUpdate,
    principal: Principal,
    if_match: str | None,
) -> MyOrderRead:
    _require_own(session, contact_of(principal), order_id)
    return my_order(orders.amend_order(session, order_id, data, principal, if_match, EVERYTHING))


def cancel_my_order(
    session: Session,
    order_id: uuid.UUID,
    reason: str | None,
    principal: Principal,
    if_match: str | None,
) -> MyOrderRead:
    _require_own(session, contact_of(principal), order_id)
    return my_order(orders.cancel_order(session, order_id, reason, principal, if_match, EVERYTHING))


def place_my_order(
    session: Session, order_id: uuid.UUID, principal: Principal, if_match: str | None
) -> MyOrderRead:
    _require_own(session, contact_of(principal), order_id)
    return my_order(orders.place_order(session, order_id, principal, if_match, EVERYTHING))
