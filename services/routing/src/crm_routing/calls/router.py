"""HTTP routes of calls: telephony events, the call's state, the screen pop."""

from fastapi import APIRouter, Path, Response

from crm_common.db import ServiceRoute, SessionDep
from crm_common.http import json_response
from crm_routing.calls import service
from crm_routing.calls.schemas import CallAnswer, CallEvent, CallRead, ScreenPop
from crm_routing.deps import (
    CallReader,
    IdempotencyDep,
    RowScopeDep,
    SettingsDep,
    StaffCaller,
    TelephonyCaller,
    problems,
)
from crm_routing.validation import CallId

router = APIRouter(prefix="/v1/calls", tags=["calls"], route_class=ServiceRoute)

CallIdPath = Path(description="The telephony platform's call id")


# The telephony platform's entry at the gateway (`POST /v1/integrations/telephony/calls`): the same
# call events, answered the same way.
telephony_router = APIRouter(
    prefix="/v1/integrations/telephony", tags=["telephony"], route_class=ServiceRoute
)


def _call_event(
    body: CallEvent, session: SessionDep, idempotency: IdempotencyDep, settings: SettingsDep
) -> Response:
    replayed = idempotency.replay(body.model_dump(mode="json", by_alias=True))
    if replayed is not None:
        return replayed
    answer = service.handle_event(session, body, settings)
    return idempotency.respond(200, answer, {})


@router.post("", response_model=CallAnswer, responses=problems(400, 404, 409, 422))
def post_call_event(
    body: CallEvent,
    _principal: TelephonyCaller,
    session: SessionDep,
    idempotency: IdempotencyDep,
    settings: SettingsDep,
) -> Response:
    """Report a call event; the answer to ringing is the routing decision (connect or queue)."""
    return _call_event(body, session, idempotency, settings)


@telephony_router.post("/calls", response_model=CallAnswer, responses=problems(400, 404, 409, 422))
def post_telephony_call_event(
    body: CallEvent,
    _principal: TelephonyCaller,
    session: SessionDep,
    idempotency: IdempotencyDep,
    settings: SettingsDep,
) -> Response:
    """The telephony platform reports a call event; ringing is answered with where to connect it
    (an agent's extension and a screen-pop link) or its place in the queue."""
    return _call_event(body, session, idempotency, settings)


@router.get("/{call_id}", response_model=CallRead, responses=problems(404, 422))
def get_call(
    _principal: CallReader, rows: RowScopeDep, session: SessionDep, call_id: CallId = CallIdPath
) -> Response:
    """The call's state and assigned agent (its place in the queue while queued). Staff read the
    calls of their rows (`CRM_ROUTING_ROW_ACCESS`): another call is a 404."""
    return json_response(service.get_call(session, call_id, rows))


@router.get("/{call_id}/screen-pop", response_model=ScreenPop, responses=problems(404, 422))
def get_screen_pop(
    _principal: StaffCaller, rows: RowScopeDep, session: SessionDep, call_id: CallId = CallIdPath
) -> Response:
    """Who is calling: the contact, what they bought and spent, open orders and opportunities
    (404 for a call outside the caller's rows)."""
    return json_response(service.screen_pop(session, call_id, rows))
