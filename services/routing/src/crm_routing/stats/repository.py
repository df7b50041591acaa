"""Every query of call statistics: one GROUP BY over the calls that started in a range.

Durations and hour buckets are dialect-specific SQL (PostgreSQL's `extract(epoch ...)`, SQLite's
`strftime`), so that the database aggregates and only one row per group travels.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, Integer, case, cast, func
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from crm_routing.calls.models import Call
from crm_routing.stats.schemas import GroupBy


@dataclass(frozen=True)
class Figures:
    """Aggregates of one group (`key` None for the total or a group of calls without one)."""

    key: Any
    offered: int
    answered: int
    abandoned: int
    transferred: int
    within: int
    average_wait: float | None
    average_handle: float | None


def _epoch_ms(value: Any) -> ColumnElement[int]:
    """SQLite: milliseconds since the epoch, as an integer (`julianday` differences are floats
    that put a 20 s wait a hair above 20)."""
    seconds = cast(func.strftime("%s", value), Integer) * 1000
    millis = cast(func.round(func.strftime("%f", value) * 1000), Integer) % 1000
    return cast(seconds + millis, Integer)


def _seconds_between(dialect: str, start: Any, end: Any) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return cast(func.extract("epoch", end - start), Float)
    return cast(_epoch_ms(end) - _epoch_ms(start), Float) / 1000.0


def _hour(dialect: str) -> ColumnElement[int]:
    """The hour (since the epoch, UTC) a call started in."""
    if dialect == "postgresql":
        return cast(func.floor(func.extract("epoch", col(Call.started_at)) / 3600), Integer)
    return cast(cast(func.strftime("%s", col(Call.started_at)), Integer) / 3600, Integer)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def figures(
    session: Session,
    start: datetime,
    end: datetime,
    group_by: GroupBy | None,
    service_level_seconds: int,
) -> list[Figures]:
    """One row per group (or the one total row when `group_by` is None) of the calls whose
    `started_at` lies in [start, end)."""
    dialect = session.get_bind().dialect.name
    answered = col(Call.answered_at).is_not(None)
    wait = _seconds_between(dialect, col(Call.started_at), col(Call.answered_at))
    handle = _seconds_between(dialect, col(Call.answered_at), col(Call.ended_at))
    ended = (col(Call.status) == "ended") & answered & col(Call.ended_at).is_not(None)
    keys: dict[str, Any] = {
        "hour": _hour(dialect),
        "agent": col(Call.agent_id),
        "category": col(Call.category),
    }
    key = keys[group_by] if group_by is not None else None
    columns: Sequence[ColumnElement[Any]] = (
        func.count(),
        func.count(col(Call.answered_at)),
        _count_if(col(Call.status) == "abandoned"),
        _count_if(col(Call.transfers) > 0),
        _count_if(answered & (wait <= service_level_seconds)),
        func.avg(case((answered, wait))),
        func.avg(case((ended, handle))),
    )
    where = (col(Call.started_at) >= start, col(Call.started_at) < end)
    if key is None:
        row = session.exec(select(*columns).where(*where)).one()
        return [_figures(None, row)]
    labelled = key.label("key")
    stmt = select(labelled, *columns).where(*where).group_by(labelled)
    return [_figures(row[0], row[1:]) for row in session.exec(stmt).all()]


def _figures(key: Any, row: Sequence[Any]) -> Figures:
    offered, answered, abandoned, transferred, within, wait, handle = row
    return Figures(
        key=key,
        offered=int(offered),
        answered=int(answered),
        abandoned=int(abandoned),
        transferred=int(transferred),
        within=int(within),
        average_wait=None if wait is None else float(wait),
        average_handle=None if handle is None else float(handle),
    )
