"""HTTP routes of call statistics."""

from typing import Annotated

from fastapi import APIRouter, Query

from crm_common.db import ServiceRoute, SessionDep
from crm_routing.deps import ManagerCaller, SettingsDep, problems
from crm_routing.stats import service
from crm_routing.stats.schemas import CallStats, GroupBy
from crm_routing.validation import Timestamp

router = APIRouter(prefix="/v1/stats", tags=["statistics"], route_class=ServiceRoute)


@router.get("/calls", response_model=CallStats, responses=problems(422))
def call_stats(
    _principal: ManagerCaller,
    session: SessionDep,
    settings: SettingsDep,
    start: Annotated[
        Timestamp,
        Query(alias="from", description="Calls that started at or after this (with a zone)"),
    ],
    end: Annotated[
        Timestamp,
        Query(alias="to", description="...and before this (exclusive, with a zone)"),
    ],
    group_by: Annotated[GroupBy, Query()] = "hour",
    service_level_seconds: Annotated[
        int | None,
        Query(
            ge=1,
            le=3600,
            description="Answered within this many seconds counts as in service "
            "level (default: the service's setting)",
        ),
    ] = None,
) -> CallStats:
    """Offered, answered, abandoned and transferred calls, average wait and handle times and the
    service level, per hour (at most 31 days), agent or category."""
    level = service_level_seconds or settings.service_level_seconds
    return service.call_stats(session, start, end, group_by, level)
