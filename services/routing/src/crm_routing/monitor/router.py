"""HTTP routes of the contact-centre monitor."""

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from crm_common.db import ServiceRoute, SessionDep
from crm_common.sse import sse_response, sse_responses
from crm_routing.deps import ManagerCaller, SettingsDep
from crm_routing.monitor import service
from crm_routing.monitor.schemas import Monitor

router = APIRouter(prefix="/v1/monitor", tags=["monitor"], route_class=ServiceRoute)


@router.get("", response_model=Monitor)
def get_monitor(_principal: ManagerCaller, session: SessionDep) -> Monitor:
    """Agents by status, waiting calls with their wait, active chats and due callbacks, now."""
    return service.snapshot(session)


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses=sse_responses(
        "`snapshot` events (data: the monitor, as `GET /v1/monitor` answers) on connect and "
        "whenever it changes; `: keepalive` comments in between"
    ),
)
async def stream_monitor(
    request: Request, _principal: ManagerCaller, settings: SettingsDep
) -> StreamingResponse:
    """The monitor as server-sent events: a snapshot at once, then each change."""
    return sse_response(service.stream(request, request.app.state.engine, settings))
