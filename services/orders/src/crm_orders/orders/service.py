"""Rules of orders: validated and priced lines, capacity reserved on placing and released on
cancelling, the life cycle, amendments until confirmation, status history, versions and events."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from crm_common.auth import Principal
from crm_common.db import new_id, utcnow
from crm_common.events import EventPayload
from crm_common.events.orders import (
    Address,
    OrderAmended,
    OrderCancelled,
    OrderLine,
    OrderPlaced,
    OrderSnapshot,
    OrderStatusChanged,
    Tracking,
)
from crm_common.http import check_if_match
from crm_common.outbox import add_event
from crm_common.pagination import Paged
from crm_orders import access
from crm_orders.access import RowScope
from crm_orders.catalog import repository as catalog
from crm_orders.commerce import SOURCE, to_cents
from crm_orders.configurator.pricing import LineIn, PricedLine, price_lines, quantities
from crm_orders.db import Outbox
from crm_orders.numbering import next_value
from crm_orders.orders import repository, states
from crm_orders.orders.errors import IllegalTransition, NotAmendable, OrderNotFound, SoldOut
from crm_orders.orders.models import Order, OrderLineRow, OrderStatusEntry
from crm_orders.orders.repository import OrderFilters
from crm_orders.orders.schemas import OrderLineIn, OrderRead, OrderUpdate, StatusEntryRead
from crm_orders.privacy import pseudonyms
from crm_orders.privacy import repository as erasures
from crm_orders.privacy.errors import ContactWasErased

NUMBER_COUNTER = "order"


def number_of(value: int) -> str:
    return f"R-{value:06d}"


def source_of(principal: Principal) -> str:
    """Who changed an order, as the status history and events name it."""
    if principal.is_customer:
        return "customer"
    if "erp" in principal.roles and not principal.is_staff:
        return "erp"
    if principal.is_staff:
        return "staff"
    if "partner" in principal.roles:
        return "partner"
    if "website" in principal.roles:
        return "website"
    return "system"


# --- reading ---------------------------------------------------------------------------------------


def require(
    session: Session, order_id: uuid.UUID, scope: RowScope, *, for_update: bool = False
) -> Order:
    """The order, if `scope` covers it (one outside the caller's rows is not found either)."""
    order = repository.get(
        session, order_id, for_update=for_update, visible=access.orders_visible(scope)
    )
    if order is None:
        raise OrderNotFound(order_id)
    return order


def to_reads(session: Session, orders: Sequence[Order]) -> list[OrderRead]:
    ids = [o.id for o in orders]
    lines = repository.lines_of(session, ids)
    history = repository.history_of(session, ids)
    return [_read(o, lines[o.id], history[o.id]) for o in orders]


def to_read(session: Session, order: Order) -> OrderRead:
    return to_reads(session, [order])[0]


def _read(
    order: Order, lines: Sequence[OrderLineRow], history: Sequence[OrderStatusEntry]
) -> OrderRead:
    return OrderRead(
        id=order.id,
        number=order.number,
        contact_id=order.contact_id,
        status=order.status,
        currency=order.currency,
        lines=[OrderLine.model_validate(line.model_dump()) for line in lines],
        subtotal=order.subtotal,
        total=order.total,
        delivery_address=Address.model_validate(order.delivery_address),
        quote_id=order.quote_id,
        erp_order_number=order.erp_order_number,
        tracking=None if order.tracking is None else Tracking.model_validate(order.tracking),
        cancel_reason=order.cancel_reason,
        version=order.version,
        placed_at=order.placed_at,
        created_at=order.created_at,
        updated_at=order.updated_at,
        history=[StatusEntryRead.model_validate(e.model_dump()) for e in history],
        pseudonymised_at=order.pseudonymised_at,
    )


def snapshot(read: OrderRead) -> OrderSnapshot:
    """The whole order as the ERP receives it (an erased contact's under a pseudonym)."""
    reference = str(read.contact_id)
    if read.pseudonymised_at is not None:
        reference = pseudonyms.customer_reference(read.contact_id)
    return OrderSnapshot.model_validate({**read.model_dump(), "customer_reference": reference})


def get_order(session: Session, order_id: uuid.UUID, scope: RowScope) -> OrderRead:
    return to_read(session, require(session, order_id, scope))


def list_orders(
    session: Session, filters: OrderFilters, limit: int, cursor: str | None, scope: RowScope
) -> Paged[OrderRead]:
    visible = access.orders_visible(scope)
    rows, next_cursor = repository.list_page(session, filters, limit, cursor, visible)
    return to_reads(session, rows), next_cursor


# --- writing ---------------------------------------------------------------------------------------


def create_order(
    session: Session,
    *,
    contact_id: uuid.UUID,
    currency: str,
    lines: Sequence[LineIn],
    delivery_address: Address,
    principal: Principal,
    quote_id: uuid.UUID | None = None,
    draft: bool = False,
) -> OrderRead:
    """A new order with validated, priced lines: placed at once (reserving capacity, publishing
    OrderPlaced) unless `draft`. Raises InvalidLines (422), SoldOut (409) or, for a contact this
    service knows as erased, ContactWasErased (410), and writes nothing."""
    if erasures.is_erased(session, contact_id):
        raise ContactWasErased(contact_id)
    priced = price_lines(session, lines, currency)
    if not draft:
        reserve(session, quantities(priced))
    now = utcnow()
    status = "draft" if draft else "placed"
    source = source_of(principal)
    address = delivery_address.model_dump(mode="json")
    read = OrderRead(
        id=new_id(),
        number=number_of(next_value(session, NUMBER_COUNTER)),
        contact_id=contact_id,
        status=status,
        currency=currency,
        lines=list(priced),
        subtotal=_subtotal(priced),
        total=_total(priced),
        delivery_address=Address.model_validate(address),
        quote_id=quote_id,
        erp_order_number=None,
        tracking=None,
        cancel_reason=None,
        version=1,
        placed_at=None if draft else now,
        created_at=now,
        updated_at=now,
        history=[
            StatusEntryRead(
                status=status,
                from_status=None,
                occurred_at=now,
                recorded_at=now,
                source=source,
                reason=None,
                tracking=None,
            )
        ],
    )
    # Core inserts of exactly what `read` shows: three statements, no unit of work, no read-back.
    repository.insert_new(
        session,
        order={
            "id": read.id,
            "number": read.number,
            "contact_id": contact_id,
            "status": status,
            "currency": currency,
            "subtotal": read.subtotal,
            "total": read.total,
            "delivery_address": address,
            "quote_id": quote_id,
            "erp_order_number": None,
            "tracking": None,
            "cancel_reason": None,
            "last_erp_at": None,
            "created_by": principal.id,
            "version": 1,
            "placed_at": read.placed_at,
            "created_at": now,
            "updated_at": now,
        },
        lines=[{"order_id": read.id, **line.model_dump()} for line in priced],
        entry={
            "id": new_id(),
            "order_id": read.id,
            "from_status": None,
            "status": status,
            "occurred_at": now,
            "recorded_at": now,
            "source": source,
            "actor": principal.id,
            "reason": None,
            "erp_event_id": None,
            "tracking": None,
        },
    )
    if not draft:
        _publish(session, read, OrderPlaced(order=snapshot(read)))
    return read


def place_order(
    session: Session,
    order_id: uuid.UUID,
    principal: Principal,
    if_match: str | None,
    scope: RowScope,
) -> OrderRead:
    """Place a draft: its lines are priced again (the catalog may have changed) and reserved; not
    once its contact was erased (410)."""
    order = require(session, order_id, scope, for_update=True)
    check_if_match(if_match, order.version)
    if order.pseudonymised_at is not None:
        raise ContactWasErased(order.contact_id)
    if order.status != "draft":
        raise IllegalTransition(order.number, order.status, "placed", order.version)
    stored = repository.lines_of(session, [order.id])[order.id]
    priced = price_lines(
        session, [_line_in(row) for row in stored], order.currency, path="order.lines"
    )
    reserve(session, quantities(priced))
    repository.replace_lines(session, order.id, _rows(order.id, priced))
    now = utcnow()
    order.subtotal, order.total = _subtotal(priced), _total(priced)
    order.placed_at = now
    _move(session, order, "placed", source=source_of(principal), actor=principal.id, at=now)
    read = to_read(session, order)
    _publish(session, read, OrderPlaced(order=snapshot(read)))
    return read


def amend_order(
    session: Session,
    order_id: uuid.UUID,
    data: OrderUpdate,
    principal: Principal,
    if_match: str | None,
    scope: RowScope,
) -> OrderRead:
    """Replace the lines and/or the address of a draft or placed order; a placed order reserves
    (or releases) the difference and publishes OrderAmended. A pseudonymised order (its contact
    was erased) takes no new address or lines: 410."""
    order = require(session, order_id, scope, for_update=True)
    check_if_match(if_match, order.version)
    if order.pseudonymised_at is not None:
        raise ContactWasErased(order.contact_id)
    if order.status not in states.AMENDABLE:
        raise NotAmendable(order.number, order.status, order.version)
    current = to_read(session, order)
    changed: list[str] = []
    if data.lines is not None:
        priced = price_lines(session, [_order_line_in(line) for line in data.lines], order.currency)
        if _comparable(priced) != _comparable(current.lines):
            if order.status in states.HOLDS_CAPACITY:
                held = repository.lines_of(session, [order.id])[order.id]
                adjust(session, _units(held), quantities(priced))
            repository.replace_lines(session, order.id, _rows(order.id, priced))
            order.subtotal, order.total = _subtotal(priced), _total(priced)
            changed.append("lines")
    if data.delivery_address is not None:
        address = data.delivery_address.model_dump(mode="json")
        if address != current.delivery_address.model_dump(mode="json"):
            order.delivery_address = address
            changed.append("delivery_address")
    if not changed:
        return current
    _touch(order)
    session.add(order)
    session.flush()
    read = to_read(session, order)
    if order.status != "draft":
        _publish(session, read, OrderAmended(order=snapshot(read), changed_fields=changed))
    return read


def cancel_order(
    session: Session,
    order_id: uuid.UUID,
    reason: str | None,
    principal: Principal,
    if_match: str | None,
    scope: RowScope,
) -> OrderRead:
    order = require(session, order_id, scope, for_update=True)
    check_if_match(if_match, order.version)
    return change_status(
        session, order, "cancelled", source=source_of(principal), actor=principal.id, reason=reason
    )


def change_status(
    session: Session,
    order: Order,
    wanted: str,
    *,
    source: str,
    actor: str,
    occurred_at: datetime | None = None,
    reason: str | None = None,
    tracking: Tracking | None = None,
    erp_event_id: str | None = None,
    erp_order_number: str | None = None,
) -> OrderRead:
    """Move a locked `order` to `wanted` (409 when its status does not allow it), record it in the
    history and publish OrderStatusChanged; cancelling releases capacity and publishes
    OrderCancelled. A draft's changes publish nothing: the ERP never heard of it."""
    if not states.can_move(order.status, wanted):
        raise IllegalTransition(order.number, order.status, wanted, order.version)
    previous = order.status
    if wanted == "cancelled":
        if previous in states.HOLDS_CAPACITY:
            stored = repository.lines_of(session, [order.id])[order.id]
            release(session, _units(stored))
        order.cancel_reason = reason
    if erp_order_number is not None:
        order.erp_order_number = erp_order_number
    if tracking is not None:
        order.tracking = tracking.model_dump(mode="json")
    at = occurred_at or utcnow()
    _move(
        session,
        order,
        wanted,
        source=source,
        actor=actor,
        at=at,
        reason=reason,
        tracking=tracking,
        erp_event_id=erp_event_id,
    )
    read = to_read(session, order)
    if previous == "draft":
        return read
    if wanted == "cancelled":
        _publish(session, read, OrderCancelled(order=snapshot(read), reason=reason))
    _publish(
        session,
        read,
        OrderStatusChanged(
            order_id=order.id,
            number=order.number,
            contact_id=order.contact_id,
            from_status=previous,
            to_status=wanted,
            occurred_at=at,
            source=source,
            erp_order_number=order.erp_order_number,
            total=order.total,
            currency=order.currency,
            tracking=tracking,
        ),
    )
    return read


# --- capacity --------------------------------------------------------------------------------------


def reserve(session: Session, wanted: Mapping[uuid.UUID, int]) -> None:
    """Reserve units per product, in product id order (so concurrent orders never deadlock);
    SoldOut (409) naming the first product without enough places, and the caller's transaction
    rolls back whatever was reserved before it."""
    for product_id in sorted(wanted):
        quantity = wanted[product_id]
        if quantity > 0 and not catalog.reserve(session, product_id, quantity):
            product = catalog.get(session, product_id)
            assert product is not None  # priced lines name existing products
            session.refresh(product)
            capacity = product.capacity or 0
            raise SoldOut(product_id, product.sku, quantity, max(capacity - product.reserved, 0))


def release(session: Session, held: Mapping[uuid.UUID, int]) -> None:
    for product_id in sorted(held):
        if held[product_id] > 0:
            catalog.release(session, product_id, held[product_id])


def adjust(
    session: Session, before: Mapping[uuid.UUID, int], after: Mapping[uuid.UUID, int]
) -> None:
    """Reserve what `after` needs beyond `before` and release what it no longer needs."""
    more = {p: after.get(p, 0) - before.get(p, 0) for p in after}
    less = {p: before[p] - after.get(p, 0) for p in before}
    release(session, {p: q for p, q in less.items() if q > 0})
    reserve(session, {p: q for p, q in more.items() if q > 0})


# --- helpers ---------------------------------------------------------------------------------------


def _move(
    session: Session,
    order: Order,
    wanted: str,
    *,
    source: str,
    actor: str,
    at: datetime,
    reason: str | None = None,
    tracking: Tracking | None = None,
    erp_event_id: str | None = None,
) -> None:
    entry = OrderStatusEntry(
        order_id=order.id,
        from_status=order.status,
        status=wanted,
        occurred_at=at,
        source=source,
        actor=actor,
        reason=reason,
        erp_event_id=erp_event_id,
        tracking=None if tracking is None else tracking.model_dump(mode="json"),
    )
    order.status = wanted
    _touch(order)
    session.add(order)
    session.flush()
    repository.add_status(session, entry)


def _touch(order: Order) -> None:
    order.version += 1
    order.updated_at = utcnow()


def _publish(session: Session, read: OrderRead, payload: EventPayload) -> None:
    add_event(session, Outbox, payload, source=SOURCE, subject=str(read.id))


def _rows(order_id: uuid.UUID, priced: Sequence[PricedLine]) -> list[OrderLineRow]:
    return [OrderLineRow(order_id=order_id, **line.model_dump()) for line in priced]


def _units(rows: Sequence[OrderLineRow]) -> dict[uuid.UUID, int]:
    totals: dict[uuid.UUID, int] = {}
    for row in rows:
        totals[row.product_id] = totals.get(row.product_id, 0) + row.quantity
    return totals


def _line_in(row: OrderLineRow) -> LineIn:
    return LineIn(
        product_id=row.product_id,
        options=row.options,
        quantity=row.quantity,
        discount_percent=row.discount_percent,
    )


def _order_line_in(line: OrderLineIn) -> LineIn:
    return LineIn(product_id=line.product_id, options=line.options, quantity=line.quantity)


def _comparable(lines: Sequence[OrderLine]) -> list[dict[str, Any]]:
    return [line.model_dump(mode="json") for line in lines]


def _subtotal(priced: Sequence[PricedLine]) -> Decimal:
    return to_cents(sum((line.unit_price * line.quantity for line in priced), start=Decimal(0)))


def _total(priced: Sequence[PricedLine]) -> Decimal:
    return to_cents(sum((line.line_total for line in priced), start=Decimal(0)))
