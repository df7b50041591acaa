"""HTTP routes of quotes: parse, call one service function, answer."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from crm_common.db import ServiceRoute, SessionDep
from crm_common.events.orders import QuoteStatus
from crm_common.http import etag, json_response
from crm_common.openapi import created_headers, etag_header
from crm_common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from crm_orders.commerce import IdempotencyDep, RowScopeDep
from crm_orders.quotes import service
from crm_orders.quotes.schemas import QuoteAccept, QuoteCreate, QuoteRead, QuoteReject
from crm_orders.sales import DealCaller, problems

router = APIRouter(prefix="/v1/quotes", tags=["quotes"], route_class=ServiceRoute)

_ANSWER: dict[int | str, dict[str, Any]] = {200: {"headers": etag_header()}}


@router.post(
    "",
    status_code=201,
    response_model=QuoteRead,
    responses={201: created_headers("The new quote"), **problems(400, 409, 422)},
)
def create_quote(
    body: QuoteCreate,
    _principal: DealCaller,
    session: SessionDep,
    idempotency: IdempotencyDep,
    rows: RowScopeDep,
) -> Response:
    """Create a draft quote for an open opportunity, priced by the configurator (Idempotency-Key)."""
    replayed = idempotency.replay(body)
    if replayed is not None:
        return replayed
    read = service.create_quote(session, body, rows)
    headers = {"ETag": etag(read.version), "Location": f"/v1/quotes/{read.id}"}
    return idempotency.respond(201, read, headers)


@router.get("", response_model=Page[QuoteRead], responses=problems(422))
def list_quotes(
    _principal: DealCaller,
    session: SessionDep,
    rows: RowScopeDep,
    opportunity_id: Annotated[uuid.UUID | None, Query()] = None,
    status: Annotated[QuoteStatus | None, Query()] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[QuoteRead]:
    """List quotes in creation order, by opportunity and status (an agent's or a manager's only
    those of their rows)."""
    items, next_cursor = service.list_quotes(session, opportunity_id, status, limit, cursor, rows)
    return Page[QuoteRead](items=items, next_cursor=next_cursor)


@router.get("/{quote_id}", response_model=QuoteRead, responses={**_ANSWER, **problems(404, 422)})
def get_quote(
    quote_id: uuid.UUID, _principal: DealCaller, session: SessionDep, rows: RowScopeDep
) -> Response:
    """Read one quote."""
    read = service.get_quote(session, quote_id, rows)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.post(
    "/{quote_id}/send", response_model=QuoteRead, responses={**_ANSWER, **problems(404, 409, 422)}
)
def send_quote(
    quote_id: uuid.UUID, principal: DealCaller, session: SessionDep, rows: RowScopeDep
) -> Response:
    """Send a draft quote; its opportunity moves to quote_sent if it is in an earlier stage."""
    read = service.send_quote(session, quote_id, principal, rows)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.post(
    "/{quote_id}/accept",
    response_model=QuoteRead,
    responses={**_ANSWER, **problems(400, 404, 409, 422)},
)
def accept_quote(
    quote_id: uuid.UUID,
    body: QuoteAccept,
    principal: DealCaller,
    session: SessionDep,
    idempotency: IdempotencyDep,
    rows: RowScopeDep,
) -> Response:
    """Accept a sent, unexpired quote: it becomes an order and its opportunity is won (Idempotency-Key)."""
    replayed = idempotency.replay(body)
    if replayed is not None:
        return replayed
    read = service.accept_quote(session, quote_id, body, principal, rows)
    return idempotency.respond(200, read, {"ETag": etag(read.version)})


@router.post(
    "/{quote_id}/reject",
    response_model=QuoteRead,
    responses={**_ANSWER, **problems(400, 404, 409, 422)},
)
def reject_quote(
    quote_id: uuid.UUID,
    _principal: DealCaller,
    session: SessionDep,
    rows: RowScopeDep,
    body: QuoteReject | None = None,
) -> Response:
    """Reject a sent quote, with an optional reason."""
    read = service.reject_quote(session, quote_id, body or QuoteReject(), rows)
    return json_response(read, headers={"ETag": etag(read.version)})
