"""HTTP routes of stage rules (admins and managers configure them, staff read them)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from crm_common.db import ServiceRoute, SessionDep
from crm_common.http import IfMatchHeader, etag, json_response
from crm_common.openapi import created_headers, etag_header
from crm_common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from crm_orders.commerce import IdempotencyDep
from crm_orders.rules import service
from crm_orders.rules.schemas import RuleCreate, RuleRead, RuleUpdate
from crm_orders.sales import ConfigCaller, StaffCaller, StageName, problems

router = APIRouter(prefix="/v1/pipeline-rules", tags=["pipeline rules"], route_class=ServiceRoute)


@router.post(
    "",
    status_code=201,
    response_model=RuleRead,
    responses={201: created_headers("The new rule"), **problems(400, 409, 422)},
)
def create_rule(
    body: RuleCreate, _principal: ConfigCaller, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Create a stage rule: when an opportunity enters a stage and matches, request a task."""
    replayed = idempotency.replay(body)
    if replayed is not None:
        return replayed
    read = service.create_rule(session, body)
    headers = {"ETag": etag(read.version), "Location": f"/v1/pipeline-rules/{read.id}"}
    return idempotency.respond(201, read, headers)


@router.get("", response_model=Page[RuleRead], responses=problems(422))
def list_rules(
    _principal: StaffCaller,
    session: SessionDep,
    stage: Annotated[StageName | None, Query(description="Only rules for this stage")] = None,
    active: Annotated[bool | None, Query()] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[RuleRead]:
    """List stage rules in creation order (staff)."""
    items, next_cursor = service.list_rules(session, stage, active, limit, cursor)
    return Page[RuleRead](items=items, next_cursor=next_cursor)


@router.get(
    "/{rule_id}",
    response_model=RuleRead,
    responses={200: {"headers": etag_header()}, **problems(404, 422)},
)
def get_rule(rule_id: uuid.UUID, _principal: StaffCaller, session: SessionDep) -> Response:
    """Read one stage rule (staff)."""
    read = service.get_rule(session, rule_id)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.patch(
    "/{rule_id}",
    response_model=RuleRead,
    responses={200: {"headers": etag_header()}, **problems(400, 404, 409, 412, 422)},
)
def update_rule(
    rule_id: uuid.UUID,
    body: RuleUpdate,
    _principal: ConfigCaller,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Change, enable or disable a stage rule (honours If-Match)."""
    read = service.update_rule(session, rule_id, body, if_match)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.delete("/{rule_id}", status_code=204, responses=problems(404, 409, 412, 422))
def delete_rule(
    rule_id: uuid.UUID,
    _principal: ConfigCaller,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Delete a stage rule (tasks it requested before stay; honours If-Match)."""
    service.delete_rule(session, rule_id, if_match)
    return Response(status_code=204)
