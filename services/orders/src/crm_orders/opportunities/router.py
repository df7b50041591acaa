"""HTTP routes of opportunities: parse, call one service function, answer."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from crm_common.db import ServiceRoute, SessionDep
from crm_common.http import IfMatchHeader, etag, json_response
from crm_common.openapi import created_headers, etag_header
from crm_common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from crm_orders.commerce import IdempotencyDep, RowScopeDep
from crm_orders.opportunities import service
from crm_orders.opportunities.repository import OpportunityFilters
from crm_orders.opportunities.schemas import (
    OpportunityCreate,
    OpportunityRead,
    OpportunityUpdate,
    StageEntryRead,
    StageMove,
)
from crm_orders.sales import Day, DealCaller, Identifier, StageName, problems

router = APIRouter(prefix="/v1/opportunities", tags=["opportunities"], route_class=ServiceRoute)


@router.post(
    "",
    status_code=201,
    response_model=OpportunityRead,
    responses={201: created_headers("The new opportunity"), **problems(400, 409, 422)},
)
def create_opportunity(
    body: OpportunityCreate,
    principal: DealCaller,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Response:
    """Create an opportunity in the first stage of its pipeline (retry-safe with Idempotency-Key)."""
    replayed = idempotency.replay(body)
    if replayed is not None:
        return replayed
    read = service.create_opportunity(session, body, principal)
    headers = {"ETag": etag(read.version), "Location": f"/v1/opportunities/{read.id}"}
    return idempotency.respond(201, read, headers)


@router.get("", response_model=Page[OpportunityRead], responses=problems(422))
def list_opportunities(
    _principal: DealCaller,
    session: SessionDep,
    rows: RowScopeDep,
    stage: Annotated[StageName | None, Query()] = None,
    owner_id: Annotated[Identifier | None, Query()] = None,
    contact_id: Annotated[uuid.UUID | None, Query()] = None,
    pipeline_id: Annotated[uuid.UUID | None, Query()] = None,
    close_from: Annotated[
        Day | None, Query(description="Expected to close on or after this day")
    ] = None,
    close_to: Annotated[
        Day | None, Query(description="Expected to close on or before this day")
    ] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[OpportunityRead]:
    """List opportunities in creation order, filtered (an agent's or a manager's only those of
    their rows)."""
    filters = OpportunityFilters(
        stage=stage,
        owner_id=owner_id,
        contact_id=contact_id,
        pipeline_id=pipeline_id,
        close_from=close_from,
        close_to=close_to,
    )
    items, next_cursor = service.list_opportunities(session, filters, limit, cursor, rows)
    return Page[OpportunityRead](items=items, next_cursor=next_cursor)


@router.get(
    "/{opportunity_id}",
    response_model=OpportunityRead,
    responses={200: {"headers": etag_header()}, **problems(404, 422)},
)
def get_opportunity(
    opportunity_id: uuid.UUID, _principal: DealCaller, session: SessionDep, rows: RowScopeDep
) -> Response:
    """Read one opportunity."""
    read = service.get_opportunity(session, opportunity_id, rows)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.patch(
    "/{opportunity_id}",
    response_model=OpportunityRead,
    responses={200: {"headers": etag_header()}, **problems(400, 404, 409, 412, 422)},
)
def update_opportunity(
    opportunity_id: uuid.UUID,
    body: OpportunityUpdate,
    _principal: DealCaller,
    session: SessionDep,
    rows: RowScopeDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Change some fields of an opportunity (honours If-Match)."""
    read = service.update_opportunity(session, opportunity_id, body, if_match, rows)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.post(
    "/{opportunity_id}/stage",
    response_model=OpportunityRead,
    responses={200: {"headers": etag_header()}, **problems(400, 404, 409, 412, 422)},
)
def move_stage(
    opportunity_id: uuid.UUID,
    body: StageMove,
    principal: DealCaller,
    session: SessionDep,
    rows: RowScopeDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Move an opportunity to another stage; won and lost are final, lost needs a reason."""
    read = service.move_stage(session, opportunity_id, body, principal, if_match, rows)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.get(
    "/{opportunity_id}/history",
    response_model=Page[StageEntryRead],
    responses=problems(404, 422),
)
def stage_history(
    opportunity_id: uuid.UUID,
    _principal: DealCaller,
    session: SessionDep,
    rows: RowScopeDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[StageEntryRead]:
    """The stages an opportunity entered, oldest first, with who moved it and the tasks requested."""
    items, next_cursor = service.history(session, opportunity_id, limit, cursor, rows)
    return Page[StageEntryRead](items=items, next_cursor=next_cursor)
