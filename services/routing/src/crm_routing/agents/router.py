"""HTTP routes of agents and their presence."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from crm_common.db import ServiceRoute, SessionDep
from crm_common.http import IfMatchHeader, etag, json_response
from crm_common.openapi import etag_header
from crm_common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from crm_routing.agents import service
from crm_routing.agents.schemas import (
    AgentCreate,
    AgentRead,
    AgentUpdate,
    Presence,
    PresenceUpdate,
)
from crm_routing.deps import (
    IdempotencyDep,
    ManagerCaller,
    SettingsDep,
    StaffCaller,
    problems,
    require_own_agent,
)
from crm_routing.validation import Name

router = APIRouter(prefix="/v1/agents", tags=["agents"], route_class=ServiceRoute)


@router.post(
    "",
    status_code=201,
    response_model=AgentRead,
    responses={
        201: {
            "headers": {
                **etag_header(),
                "Location": {"description": "The new agent", "schema": {"type": "string"}},
            }
        },
        **problems(400, 409, 422),
    },
)
def create_agent(
    body: AgentCreate,
    _principal: ManagerCaller,
    session: SessionDep,
    idempotency: IdempotencyDep,
    settings: SettingsDep,
) -> Response:
    """Register an agent (offline until they set their presence; retry-safe with Idempotency-Key)."""
    replayed = idempotency.replay(body)
    if replayed is not None:
        return replayed
    read = service.create_agent(session, body, settings)
    headers = {"ETag": etag(read.version), "Location": f"/v1/agents/{read.id}"}
    return idempotency.respond(201, read, headers)


@router.get("", response_model=Page[AgentRead], responses=problems(422))
def list_agents(
    _principal: StaffCaller,
    session: SessionDep,
    team: Annotated[Name | None, Query()] = None,
    presence: Annotated[Presence | None, Query()] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[AgentRead]:
    """List active agents, oldest first."""
    items, next_cursor = service.list_agents(session, team, presence, limit, cursor)
    return Page[AgentRead](items=items, next_cursor=next_cursor)


@router.get(
    "/{agent_id}",
    response_model=AgentRead,
    responses={200: {"headers": etag_header()}, **problems(404)},
)
def get_agent(agent_id: uuid.UUID, _principal: StaffCaller, session: SessionDep) -> Response:
    """Read one agent, with its effective status."""
    read = service.get_agent(session, agent_id)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.patch(
    "/{agent_id}",
    response_model=AgentRead,
    responses={200: {"headers": etag_header()}, **problems(400, 404, 412, 422)},
)
def update_agent(
    agent_id: uuid.UUID,
    body: AgentUpdate,
    _principal: ManagerCaller,
    session: SessionDep,
    settings: SettingsDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Change an agent's details or skills (honours If-Match)."""
    read = service.update_agent(session, agent_id, body, if_match, settings)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.delete("/{agent_id}", status_code=204, responses=problems(404, 409, 412))
def deactivate_agent(
    agent_id: uuid.UUID,
    _principal: ManagerCaller,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Deactivate an agent: it leaves routing and lists; 409 while it is on a call."""
    service.deactivate_agent(session, agent_id, if_match)
    return Response(status_code=204)


@router.put(
    "/{agent_id}/presence",
    response_model=AgentRead,
    responses={200: {"headers": etag_header()}, **problems(400, 404, 412, 422)},
)
def set_presence(
    agent_id: uuid.UUID,
    body: PresenceUpdate,
    principal: StaffCaller,
    session: SessionDep,
    settings: SettingsDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Set ready, busy, away or offline; becoming ready takes the longest-waiting eligible call.
    An agent's own key (linked to the agent) sets only that agent's presence; admins and managers
    set anyone's."""
    require_own_agent(principal, agent_id)
    read = service.set_presence(session, agent_id, body.status, if_match, settings)
    return json_response(read, headers={"ETag": etag(read.version)})
