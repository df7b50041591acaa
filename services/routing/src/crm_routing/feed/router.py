"""HTTP route of the agents' feed (server-sent events), below `/v1/agents`."""

import uuid
from typing import Annotated, get_args

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from crm_common.db import ServiceRoute, SessionDep
from crm_common.sse import resume_after, sse_response, sse_responses, sse_stream
from crm_routing.deps import RowScopeDep, SettingsDep, StaffCaller, problems, require_own_agent
from crm_routing.feed import service
from crm_routing.feed.schemas import FeedKind

router = APIRouter(prefix="/v1/agents", tags=["agents"], route_class=ServiceRoute)

AfterQuery = Annotated[
    int | None,
    Query(ge=0, le=10**18, description="Start after this event id (`Last-Event-ID` wins)"),
]
LastEventIdHeader = Annotated[
    str | None, Header(description="The last event id received: the feed resumes after it")
]


@router.get(
    "/{agent_id}/feed",
    response_class=StreamingResponse,
    responses={
        **sse_responses(
            "Server-sent events, named by kind: `web.offer` (an engaged web session offered to the "
            "agent: its pages and, when known, the contact summary), `call.assigned`, "
            "`chat.opened`, `chat.message` (the visitor wrote), `chat.closed`",
            events=get_args(FeedKind),
        ),
        **problems(404, 422),
    },
)
def agent_feed(
    agent_id: uuid.UUID,
    request: Request,
    principal: StaffCaller,
    rows: RowScopeDep,
    session: SessionDep,
    settings: SettingsDep,
    after: AfterQuery = None,
    last_event_id: LastEventIdHeader = None,
) -> StreamingResponse:
    """Follow what the agent is offered and given, after `Last-Event-ID` (or `after`, else from
    the start); `: keepalive` comments keep an idle stream open. An agent's key follows only its
    own agent's feed, a manager's (with `CRM_ROUTING_ROW_ACCESS=scoped`) those of its team's
    agents."""
    require_own_agent(principal, agent_id)
    start = resume_after(last_event_id, after)
    service.require_agent(session, agent_id, rows)
    events = sse_stream(
        request,
        service.fetcher(request.app.state.engine, agent_id),
        start,
        settings.sse_poll_seconds,
        settings.sse_keepalive_seconds,
        max_seconds=settings.sse_max_seconds,
    )
    return sse_response(events)
