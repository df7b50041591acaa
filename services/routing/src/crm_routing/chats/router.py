"""HTTP routes of chats: the website accepts a session's chat offer, visitor and agent exchange
messages (also as a server-sent-event stream), and either side closes the chat."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import StreamingResponse

from crm_common.auth import Principal, require_roles
from crm_common.db import ServiceRoute, SessionDep
from crm_common.http import IfMatchHeader, etag, json_response
from crm_common.openapi import created_headers, etag_header
from crm_common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from crm_common.sse import resume_after, sse_response, sse_responses, sse_stream
from crm_routing.chats import service
from crm_routing.chats.schemas import ChatRead, MessageCreate, MessageRead
from crm_routing.deps import RowScopeDep, SettingsDep, problems
from crm_routing.web.schemas import WebId

# The website's server-side key (for its visitors: every chat) and staff (the agents: the chats of
# their rows, `crm_routing.access`; another chat is a 404).
CHAT_ROLES = ("admin", "manager", "agent", "website")
ChatCaller = Annotated[Principal, Depends(require_roles(*CHAT_ROLES))]

AfterQuery = Annotated[
    int | None,
    Query(ge=0, le=10**18, description="Start after this event id (`Last-Event-ID` wins)"),
]
LastEventIdHeader = Annotated[
    str | None, Header(description="The last event id received: the stream resumes after it")
]

router = APIRouter(prefix="/v1/chats", tags=["chats"], route_class=ServiceRoute)
# `POST /v1/web/sessions/{session_id}/chat`, beside the beacons of `/v1/web`.
sessions_router = APIRouter(prefix="/v1/web/sessions", tags=["chats"], route_class=ServiceRoute)


@sessions_router.post(
    "/{session_id}/chat",
    status_code=201,
    response_model=ChatRead,
    responses={
        200: {"description": "The chat was open already (a retried accept)", "model": ChatRead},
        201: created_headers("The new chat"),
        **problems(404, 409, 422),
    },
)
def accept_chat_offer(
    session_id: WebId,
    _principal: ChatCaller,
    rows: RowScopeDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """The visitor accepts the session's chat offer: a chat with the offered agent opens (201).
    Accepting again while it is open answers the same chat (200). 409 when the session has no
    chat offer, the offer is older than `CRM_ROUTING_CHAT_OFFER_SECONDS`, or its chat is closed
    (a session chats once). Staff reach only the sessions of their rows (404 otherwise)."""
    read, created = service.accept_offer(session, session_id, rows, settings)
    headers = {"ETag": etag(read.version), "Location": f"/v1/chats/{read.id}"}
    return json_response(read, status_code=201 if created else 200, headers=headers)


@router.get(
    "/{chat_id}",
    response_model=ChatRead,
    responses={200: {"headers": etag_header()}, **problems(404, 422)},
)
def get_chat(
    chat_id: uuid.UUID, _principal: ChatCaller, rows: RowScopeDep, session: SessionDep
) -> Response:
    """Read one chat (404 outside the caller's rows)."""
    read = service.get_chat(session, chat_id, rows)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.post(
    "/{chat_id}/messages",
    status_code=201,
    response_model=MessageRead,
    responses=problems(400, 404, 409, 422),
)
def post_message(
    chat_id: uuid.UUID,
    body: MessageCreate,
    principal: ChatCaller,
    rows: RowScopeDep,
    session: SessionDep,
) -> MessageRead:
    """Write in an open chat: a `website` key as the visitor, staff as the agent (403 otherwise;
    404 for a chat outside the caller's rows); 409 once the chat is closed."""
    return service.post_message(session, chat_id, body, principal, rows)


@router.get("/{chat_id}/messages", response_model=Page[MessageRead], responses=problems(404, 422))
def list_messages(
    chat_id: uuid.UUID,
    _principal: ChatCaller,
    rows: RowScopeDep,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[MessageRead]:
    """The chat's messages, oldest first (404 for a chat outside the caller's rows)."""
    items, next_cursor = service.list_messages(session, chat_id, rows, limit, cursor)
    return Page[MessageRead](items=items, next_cursor=next_cursor)


@router.get(
    "/{chat_id}/stream",
    response_class=StreamingResponse,
    responses={
        **sse_responses(
            "Server-sent events: `message` (a message, as in the list) as they are written, then "
            "`closed` (the chat) when it closes, which ends the stream",
            events=("message", "closed"),
        ),
        **problems(404, 422),
    },
)
def stream_chat(
    chat_id: uuid.UUID,
    request: Request,
    _principal: ChatCaller,
    rows: RowScopeDep,
    session: SessionDep,
    settings: SettingsDep,
    after: AfterQuery = None,
    last_event_id: LastEventIdHeader = None,
) -> StreamingResponse:
    """Follow the chat: its messages after `Last-Event-ID` (or `after`, else from the start);
    404 for a chat outside the caller's rows."""
    start = resume_after(last_event_id, after)
    service.require_visible_chat(session, chat_id, rows)
    events = sse_stream(
        request,
        service.fetcher(request.app.state.engine, chat_id),
        start,
        settings.sse_poll_seconds,
        settings.sse_keepalive_seconds,
        max_seconds=settings.sse_max_seconds,
        final_events={"closed"},
    )
    return sse_response(events)


@router.post(
    "/{chat_id}/close",
    response_model=ChatRead,
    responses={200: {"headers": etag_header()}, **problems(404, 409, 412, 422)},
)
def close_chat(
    chat_id: uuid.UUID,
    principal: ChatCaller,
    rows: RowScopeDep,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Close the chat (by the visitor for a `website` key, else by the agent): the agent's place
    is free again and `routing.chat.closed` carries the transcript to the timeline. 409 when it
    is closed already, 404 outside the caller's rows; honours If-Match."""
    read = service.close_chat(session, chat_id, principal, rows, if_match)
    return json_response(read, headers={"ETag": etag(read.version)})
