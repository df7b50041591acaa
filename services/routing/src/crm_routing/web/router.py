"""HTTP routes of web sessions (page-view beacons) and engagement rules."""

import uuid

from fastapi import APIRouter, Response

from crm_common.db import ServiceRoute, SessionDep
from crm_common.http import IfMatchHeader, etag, json_response
from crm_common.openapi import etag_header
from crm_common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from crm_routing.deps import (
    BeaconCaller,
    ManagerCaller,
    SettingsDep,
    StaffCaller,
    WebsiteCaller,
    problems,
)
from crm_routing.web import service
from crm_routing.web.schemas import (
    BeaconAnswer,
    BeaconBatch,
    EngagementRuleCreate,
    EngagementRuleRead,
    EngagementRuleUpdate,
)

router = APIRouter(prefix="/v1/web", tags=["web"], route_class=ServiceRoute)

# The website's entry at the gateway (`POST /v1/integrations/web/events`, a publishable key): the
# same beacons, answered the same way.
website_router = APIRouter(
    prefix="/v1/integrations/web", tags=["website"], route_class=ServiceRoute
)

rules_router = APIRouter(
    prefix="/v1/engagement-rules", tags=["engagement rules"], route_class=ServiceRoute
)


@router.post("/events", response_model=BeaconAnswer, responses=problems(400, 422))
def post_web_events(
    body: BeaconBatch, _principal: BeaconCaller, session: SessionDep, settings: SettingsDep
) -> BeaconAnswer:
    """Report page views (up to 500, all or nothing); the answer offers a chat or a callback with
    an agent to a session that became engaged."""
    return service.record_beacons(session, body, settings)


@website_router.post("/events", response_model=BeaconAnswer, responses=problems(400, 422))
def post_website_events(
    body: BeaconBatch, principal: WebsiteCaller, session: SessionDep, settings: SettingsDep
) -> BeaconAnswer:
    """The website reports page views, answered like `POST /v1/web/events`. With a publishable key
    (readable by anyone in the page) `contact_id` is ignored: such a key cannot vouch for who the
    visitor is, so it never ties a device to a contact."""
    if principal.roles == {"publishable"}:
        body = BeaconBatch(events=[e.model_copy(update={"contact_id": None}) for e in body.events])
    return service.record_beacons(session, body, settings)


@rules_router.post(
    "",
    status_code=201,
    response_model=EngagementRuleRead,
    responses={
        201: {
            "headers": {
                **etag_header(),
                "Location": {"description": "The new rule", "schema": {"type": "string"}},
            }
        },
        **problems(400, 422),
    },
)
def create_rule(
    body: EngagementRuleCreate, _principal: ManagerCaller, session: SessionDep
) -> Response:
    """Add an engagement rule; while any rule is active, the rules replace the default (the fifth
    page view)."""
    read = service.create_rule(session, body)
    headers = {"ETag": etag(read.version), "Location": f"/v1/engagement-rules/{read.id}"}
    return json_response(read, status_code=201, headers=headers)


@rules_router.get("", response_model=Page[EngagementRuleRead], responses=problems(422))
def list_rules(
    _principal: StaffCaller,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[EngagementRuleRead]:
    """List engagement rules in the order they are tried."""
    items, next_cursor = service.list_rules(session, limit, cursor)
    return Page[EngagementRuleRead](items=items, next_cursor=next_cursor)


@rules_router.get(
    "/{rule_id}",
    response_model=EngagementRuleRead,
    responses={200: {"headers": etag_header()}, **problems(404, 422)},
)
def get_rule(rule_id: uuid.UUID, _principal: StaffCaller, session: SessionDep) -> Response:
    """Read one engagement rule."""
    read = service.get_rule(session, rule_id)
    return json_response(read, headers={"ETag": etag(read.version)})


@rules_router.patch(
    "/{rule_id}",
    response_model=EngagementRuleRead,
    responses={200: {"headers": etag_header()}, **problems(400, 404, 412, 422)},
)
def update_rule(
    rule_id: uuid.UUID,
    body: EngagementRuleUpdate,
    _principal: ManagerCaller,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Change an engagement rule (honours If-Match)."""
    read = service.update_rule(session, rule_id, body, if_match)
    return json_response(read, headers={"ETag": etag(read.version)})


@rules_router.delete("/{rule_id}", status_code=204, responses=problems(404, 412, 422))
def delete_rule(
    rule_id: uuid.UUID,
    _principal: ManagerCaller,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Delete an engagement rule."""
    service.delete_rule(session, rule_id, if_match)
    return Response(status_code=204)
