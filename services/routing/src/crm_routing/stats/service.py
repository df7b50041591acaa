"""Call statistics: checks on the range, then the figures per hour, agent or category."""

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from crm_routing.stats import repository
from crm_routing.stats.errors import InvalidStatsRange
from crm_routing.stats.repository import Figures
from crm_routing.stats.schemas import CallFigures, CallGroup, CallStats, GroupBy

# Bounds on what one request scans: by hour the answer has a group per hour (744 at most).
MAX_HOUR_RANGE = timedelta(days=31)
MAX_RANGE = timedelta(days=366)
HOUR_SECONDS = 3600


def _check_range(start: datetime, end: datetime, group_by: GroupBy) -> None:
    if end <= start:
        raise InvalidStatsRange("query.to", "must be later than `from`")
    if group_by == "hour" and end - start > MAX_HOUR_RANGE:
        raise InvalidStatsRange(
            "query.to",
            f"with group_by=hour the range may span at most {MAX_HOUR_RANGE.days} days; "
            "narrow it or group by agent or category",
        )
    if end - start > MAX_RANGE:
        raise InvalidStatsRange("query.to", f"the range may span at most {MAX_RANGE.days} days")


def call_stats(
    session: Session,
    start: datetime,
    end: datetime,
    group_by: GroupBy,
    service_level_seconds: int,
) -> CallStats:
    """Offered, answered, abandoned and transferred calls, average wait and handle times and the
    service level, over the calls that started in [start, end)."""
    _check_range(start, end, group_by)
    rows = repository.figures(session, start, end, group_by, service_level_seconds)
    (total,) = repository.figures(session, start, end, None, service_level_seconds)
    if group_by == "hour":
        groups = _every_hour(start, end, {int(row.key): row for row in rows})
    else:
        keyed = [_group(None if r.key is None else str(r.key), r) for r in rows]
        groups = sorted(keyed, key=lambda g: (-g.offered, g.key is None, g.key or ""))
    return CallStats(
        from_=start,
        to=end,
        group_by=group_by,
        service_level_seconds=service_level_seconds,
        groups=groups,
        total=CallFigures(**_values(total)),
    )


def _every_hour(start: datetime, end: datetime, rows: dict[int, Figures]) -> list[CallGroup]:
    first = int(start.timestamp()) // HOUR_SECONDS
    last = -(-int(end.timestamp()) // HOUR_SECONDS)  # the hour `end` falls in, if not on one
    groups = []
    for hour in range(first, max(last, first + 1)):
        key = datetime.fromtimestamp(hour * HOUR_SECONDS, UTC).isoformat().replace("+00:00", "Z")
        row = rows.get(hour) or Figures(hour, 0, 0, 0, 0, 0, None, None)
        groups.append(_group(key, row))
    return groups


def _group(key: str | None, row: Figures) -> CallGroup:
    return CallGroup(key=key, **_values(row))


def _values(row: Figures) -> dict[str, int | float | None]:
    return {
        "offered": row.offered,
        "answered": row.answered,
        "abandoned": row.abandoned,
        "transferred": row.transferred,
        "answered_within_service_level": row.within,
        "average_wait_seconds": _round(row.average_wait),
        "average_handle_seconds": _round(row.average_handle),
        "service_level": round(row.within / row.offered, 4) if row.offered else None,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
