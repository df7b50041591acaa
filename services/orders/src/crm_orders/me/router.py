"""HTTP routes of a customer's own orders (customer tokens only): parse, call one service
function, answer. The contact is always the token's, never one the body or query names."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Response

from crm_common.auth import CustomerDep
from crm_common.db import ServiceRoute, SessionDep
from crm_common.http import IfMatchHeader, etag, json_response
from crm_common.openapi import created_headers, etag_header
from crm_common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from crm_orders.commerce import IdempotencyDep
from crm_orders.me import service
from crm_orders.me.schemas import MyOrderCreate, MyOrderRead
from crm_orders.orders.schemas import OrderCancel, OrderUpdate
from crm_orders.privacy.errors import problems

router = APIRouter(prefix="/v1/me/orders", tags=["me"], route_class=ServiceRoute)


@router.get("", response_model=Page[MyOrderRead], responses=problems(403, 422))
def list_my_orders(
    principal: CustomerDep,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Response:
    """The customer's own orders, newest first, each with its status history and tracking."""
    items, next_cursor = service.list_my_orders(session, principal, limit, cursor)
    return json_response(Page[MyOrderRead](items=items, next_cursor=next_cursor))


@router.post(
    "",
    status_code=201,
    response_model=MyOrderRead,
    responses={201: created_headers("The new order"), **problems(400, 403, 409, 410, 422)},
)
def create_my_order(
    body: MyOrderCreate,
    principal: CustomerDep,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Response:
    """Place an order for oneself (or keep it as a draft): the body of `POST /v1/orders` without
    `contact_id`; lines validated and priced, capacity reserved (409 sold-out), 410 once the
    contact was erased, retry-safe with Idempotency-Key."""
    replayed = idempotency.replay(body)
    if replayed is not None:
        return replayed
    read = service.create_my_order(session, body, principal)
    headers = {"ETag": etag(read.version), "Location": f"/v1/me/orders/{read.id}"}
    return idempotency.respond(201, read, headers)


@router.get(
    "/{order_id}",
    response_model=MyOrderRead,
    responses={200: {"headers": etag_header()}, **problems(403, 404)},
)
def get_my_order(order_id: uuid.UUID, principal: CustomerDep, session: SessionDep) -> Response:
    """One of the customer's orders with its lines, status history and tracking (404 for any
    other order)."""
    read = service.get_my_order(session, principal, order_id)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.patch(
    "/{order_id}",
    response_model=MyOrderRead,
    responses={200: {"headers": etag_header()}, **problems(400, 403, 404, 409, 410, 412, 422)},
)
def amend_my_order(
    order_id: uuid.UUID,
    body: OrderUpdate,
    principal: CustomerDep,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Amend one's draft or placed order's lines or address (409 once confirmed; honours
    If-Match)."""
    read = service.amend_my_order(session, order_id, body, principal, if_match)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.post(
    "/{order_id}/place",
    response_model=MyOrderRead,
    responses={200: {"headers": etag_header()}, **problems(403, 404, 409, 410, 412, 422)},
)
def place_my_order(
    order_id: uuid.UUID,
    principal: CustomerDep,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Place one's draft order: lines priced again and capacity reserved (409 sold-out)."""
    read = service.place_my_order(session, order_id, principal, if_match)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.post(
    "/{order_id}/cancel",
    response_model=MyOrderRead,
    responses={200: {"headers": etag_header()}, **problems(400, 403, 404, 409, 412, 422)},
)
def cancel_my_order(
    order_id: uuid.UUID,
    principal: CustomerDep,
    session: SessionDep,
    body: Annotated[OrderCancel | None, Body()] = None,
    if_match: IfMatchHeader = None,
) -> Response:
    """Cancel one's order before it ships (the body and its reason are optional); reserved
    capacity is released."""
    reason = None if body is None else body.reason
    read = service.cancel_my_order(session, order_id, reason, principal, if_match)
    return json_response(read, headers={"ETag": etag(read.version)})
