"""HTTP routes of callbacks, and the telephony platform's reports on their attempts."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from crm_common.auth import Principal, require_roles
from crm_common.db import ServiceRoute, SessionDep
from crm_common.http import IfMatchHeader, etag, json_response
from crm_common.openapi import created_headers, etag_header
from crm_common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from crm_routing.callbacks import service
from crm_routing.callbacks.schemas import (
    AttemptOutcome,
    CallbackCreate,
    CallbackDetail,
    CallbackRead,
    CallbackStatus,
)
from crm_routing.deps import (
    IdempotencyDep,
    RowScopeDep,
    SettingsDep,
    TelephonyCaller,
    problems,
)
from crm_routing.validation import Timestamp

# A website schedules callbacks for its visitors (and sees only those); staff see those of their
# rows (`crm_routing.access`).
CALLBACK_ROLES = ("admin", "manager", "agent", "website")
CallbackCaller = Annotated[Principal, Depends(require_roles(*CALLBACK_ROLES))]

router = APIRouter(prefix="/v1/callbacks", tags=["callbacks"], route_class=ServiceRoute)

# The telephony platform's entry at the gateway: it is told whom to connect by the event
# `routing.callback.connect.v1` and reports each attempt's outcome here.
telephony_router = APIRouter(
    prefix="/v1/integrations/telephony", tags=["telephony"], route_class=ServiceRoute
)

AttemptNumber = Annotated[int, Path(ge=1, le=1000, description="The attempt, 1 for the first")]


def _with_etag(read: CallbackRead, status_code: int = 200) -> Response:
    return json_response(read, status_code=status_code, headers={"ETag": etag(read.version)})


@router.post(
    "",
    status_code=201,
    response_model=CallbackDetail,
    responses={201: created_headers("The new callback"), **problems(400, 422)},
)
def schedule_callback(
    body: CallbackCreate,
    principal: CallbackCaller,
    session: SessionDep,
    idempotency: IdempotencyDep,
    settings: SettingsDep,
) -> Response:
    """Schedule a callback to a contact or a number within a window; when due it is routed like
    a call (retry-safe with Idempotency-Key)."""
    replayed = idempotency.replay(body)
    if replayed is not None:
        return replayed
    read = service.schedule(session, body, principal, settings)
    headers = {"ETag": etag(read.version), "Location": f"/v1/callbacks/{read.id}"}
    return idempotency.respond(201, read, headers)


@router.get("", response_model=Page[CallbackRead], responses=problems(422))
def list_callbacks(
    _principal: CallbackCaller,
    rows: RowScopeDep,
    session: SessionDep,
    status: Annotated[CallbackStatus | None, Query()] = None,
    contact_id: Annotated[uuid.UUID | None, Query()] = None,
    due_before: Annotated[
        Timestamp | None,
        Query(description="Scheduled callbacks whose next attempt is due before this"),
    ] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[CallbackRead]:
    """List callbacks, oldest first: staff those of their rows (`CRM_ROUTING_ROW_ACCESS`: an
    agent's own and its contacts', a manager's team's, an admin's all), a website the ones it
    scheduled."""
    items, next_cursor = service.list_callbacks(
        session,
        rows,
        status=status,
        contact_id=contact_id,
        due_before=due_before,
        limit=limit,
        cursor=cursor,
    )
    return Page[CallbackRead](items=items, next_cursor=next_cursor)


@router.get(
    "/{callback_id}",
    response_model=CallbackDetail,
    responses={200: {"headers": etag_header()}, **problems(404, 422)},
)
def get_callback(
    callback_id: uuid.UUID, _principal: CallbackCaller, rows: RowScopeDep, session: SessionDep
) -> Response:
    """Read one callback with every attempt and its outcome (404 outside the caller's rows)."""
    return _with_etag(service.get_callback(session, callback_id, rows))


@router.post(
    "/{callback_id}/cancel",
    response_model=CallbackDetail,
    responses={200: {"headers": etag_header()}, **problems(404, 409, 412, 422)},
)
def cancel_callback(
    callback_id: uuid.UUID,
    _principal: CallbackCaller,
    rows: RowScopeDep,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Cancel a callback that is not finished (honours If-Match); 409 once it is, 404 outside
    the caller's rows."""
    return _with_etag(service.cancel(session, callback_id, rows, if_match))


@telephony_router.post(
    "/callbacks/{callback_id}/attempts/{number}",
    response_model=CallbackDetail,
    responses={200: {"headers": etag_header()}, **problems(400, 404, 409, 422)},
)
def report_attempt_outcome(
    callback_id: uuid.UUID,
    number: AttemptNumber,
    body: AttemptOutcome,
    _principal: TelephonyCaller,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Report how attempt `number` of a callback ended: connected completes it; otherwise it is
    retried after a delay, or fails after the last attempt. 409 when the attempt has an outcome
    already or is not the current one."""
    return _with_etag(service.report_outcome(session, callback_id, number, body, settings))
