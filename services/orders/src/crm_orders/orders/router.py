"""HTTP routes of orders: parse, call one service function, answer."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response

from crm_common.db import ServiceRoute, SessionDep
from crm_common.events.orders import OrderStatus
from crm_common.http import IfMatchHeader, etag, json_response
from crm_common.openapi import created_headers, etag_header
from crm_common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from crm_orders.commerce import (
    IdempotencyDep,
    OrderPlacer,
    OrderReader,
    OrderWriter,
    RowScopeDep,
    Timestamp,
    problems,
)
from crm_orders.configurator.pricing import LineIn
from crm_orders.orders import service
from crm_orders.orders.repository import OrderFilters
from crm_orders.orders.schemas import (
    OrderCancel,
    OrderCreate,
    OrderHistory,
    OrderRead,
    OrderUpdate,
    StatusEntryRead,
)
from crm_orders.privacy.errors import problems as erasure_problems

router = APIRouter(prefix="/v1/orders", tags=["orders"], route_class=ServiceRoute)


@router.post(
    "",
    status_code=201,
    response_model=OrderRead,
    responses={
        201: created_headers("The new order"),
        **problems(400, 409, 422),
        **erasure_problems(410),
    },
)
def create_order(
    body: OrderCreate,
    principal: OrderPlacer,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Response:
    """Place an order (or keep it as a draft): lines validated and priced, capacity reserved
    (409 sold-out), 410 for a contact that was erased, retry-safe with Idempotency-Key."""
    replayed = idempotency.replay(body)
    if replayed is not None:
        return replayed
    read = service.create_order(
        session,
        contact_id=body.contact_id,
        currency=body.currency,
        lines=[
            LineIn(product_id=line.product_id, options=line.options, quantity=line.quantity)
            for line in body.lines
        ],
        delivery_address=body.delivery_address,
        principal=principal,
        draft=body.draft,
    )
    headers = {"ETag": etag(read.version), "Location": f"/v1/orders/{read.id}"}
    return idempotency.respond(201, read, headers)


@router.get("", response_model=Page[OrderRead], responses=problems(422))
def list_orders(
    principal: OrderReader,
    session: SessionDep,
    rows: RowScopeDep,
    contact_id: Annotated[uuid.UUID | None, Query(description="Only this customer's")] = None,
    status: Annotated[OrderStatus | None, Query(description="Only orders in this status")] = None,
    created_from: Annotated[
        Timestamp | None, Query(alias="from", description="Created at or after")
    ] = None,
    created_to: Annotated[Timestamp | None, Query(alias="to", description="Created before")] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Response:
    """List orders in creation order, filtered by customer, status and creation time (an agent's
    or a manager's only those of their contacts)."""
    filters = OrderFilters(
        contact_id=contact_id, status=status, created_from=created_from, created_to=created_to
    )
    items, next_cursor = service.list_orders(session, filters, limit, cursor, rows)
    return json_response(Page[OrderRead](items=items, next_cursor=next_cursor))


@router.get(
    "/{order_id}",
    response_model=OrderRead,
    responses={200: {"headers": etag_header()}, **problems(404)},
)
def get_order(
    order_id: uuid.UUID, principal: OrderReader, session: SessionDep, rows: RowScopeDep
) -> Response:
    """Read one order with its lines and status history."""
    read = service.get_order(session, order_id, rows)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.get("/{order_id}/history", response_model=OrderHistory, responses=problems(404))
def get_order_history(
    order_id: uuid.UUID, principal: OrderReader, session: SessionDep, rows: RowScopeDep
) -> Response:
    """The order's status history, oldest first (time, source, tracking reference)."""
    read = service.get_order(session, order_id, rows)
    items: list[StatusEntryRead] = read.history
    return json_response(
        OrderHistory(order_id=read.id, number=read.number, status=read.status, items=items)
    )


@router.patch(
    "/{order_id}",
    response_model=OrderRead,
    responses={
        200: {"headers": etag_header()},
        **problems(400, 404, 409, 412, 422),
        **erasure_problems(410),
    },
)
def amend_order(
    order_id: uuid.UUID,
    body: OrderUpdate,
    principal: OrderWriter,
    session: SessionDep,
    rows: RowScopeDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Amend a draft or placed order's lines or address (409 once confirmed; honours If-Match)."""
    read = service.amend_order(session, order_id, body, principal, if_match, rows)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.post(
    "/{order_id}/place",
    response_model=OrderRead,
    responses={
        200: {"headers": etag_header()},
        **problems(404, 409, 412, 422),
        **erasure_problems(410),
    },
)
def place_order(
    order_id: uuid.UUID,
    principal: OrderPlacer,
    session: SessionDep,
    rows: RowScopeDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Place a draft order: lines priced again and capacity reserved (409 sold-out)."""
    read = service.place_order(session, order_id, principal, if_match, rows)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.post(
    "/{order_id}/cancel",
    response_model=OrderRead,
    responses={200: {"headers": etag_header()}, **problems(400, 404, 409, 412, 422)},
)
def cancel_order(
    order_id: uuid.UUID,
    principal: OrderWriter,
    session: SessionDep,
    rows: RowScopeDep,
    body: Annotated[OrderCancel | None, Body()] = None,
    if_match: IfMatchHeader = None,
) -> Response:
    """Cancel an order before it ships (the body is optional); reserved capacity is released."""
    reason = None if body is None else body.reason
    read = service.cancel_order(session, order_id, reason, principal, if_match, rows)
    return json_response(read, headers={"ETag": etag(read.version)})
