"""Call statistics over calls seeded straight into the database: exact figures per hour, agent and
category, and precise 422s for ranges that make no sense or are too wide."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from crm_routing.calls.models import Call

AGENT_A = uuid.UUID("0190a000-0000-7000-8000-00000000000a")
AGENT_B = uuid.UUID("0190a000-0000-7000-8000-00000000000b")
DAY = datetime(2026, 11, 30, tzinfo=UTC)
FROM, TO = "2026-11-30T10:00:00Z", "2026-11-30T12:00:00Z"


def at(hour: int, minute: int, second: float = 0) -> datetime:
    return DAY + timedelta(hours=hour, minutes=minute, seconds=second)


def seed_call(
    session: Session, call_id: str, status: str, started_at: datetime, **extra: Any
) -> None:
    session.add(Call(call_id=call_id, status=status, started_at=started_at, **extra))


@pytest.fixture
def seeded(client: httpx.Client, engine: Engine) -> None:
    """Five calls in [10:00, 12:00) and two just outside it."""
    with Session(engine) as session:
        seed_call(
            session, "c1", "ended", at(10, 0), category="ski", agent_id=AGENT_A,
            answered_at=at(10, 0, 10), ended_at=at(10, 5, 10),
        )  # fmt: skip
        seed_call(
            session, "c2", "ended", at(10, 30), category="ski", agent_id=AGENT_B,
            answered_at=at(10, 30, 30.25), ended_at=at(10, 32, 30.25), transfers=1,
        )  # fmt: skip
        seed_call(session, "c3", "abandoned", at(10, 45), category="ski", ended_at=at(10, 46))
        seed_call(
            session, "c4", "answered", at(11, 10), category="city", agent_id=AGENT_A,
            answered_at=at(11, 10, 20),
        )  # fmt: skip
        seed_call(session, "c5", "queued", at(11, 50), queued_at=at(11, 50), priority=3)
        seed_call(
            session, "early", "ended", at(9, 59, 59), category="ski", agent_id=AGENT_A,
            answered_at=at(10, 0, 1), ended_at=at(10, 1),
        )  # fmt: skip
        seed_call(session, "late", "abandoned", at(12, 0), category="ski")
        session.commit()


def figures(**values: Any) -> dict[str, Any]:
    empty: dict[str, Any] = {
        "offered": 0,
        "answered": 0,
        "abandoned": 0,
        "transferred": 0,
        "answered_within_service_level": 0,
        "average_wait_seconds": None,
        "average_handle_seconds": None,
        "service_level": None,
    }
    return empty | values


TOTAL = figures(
    offered=5,
    answered=3,
    abandoned=1,
    transferred=1,
    answered_within_service_level=2,
    average_wait_seconds=20.083,
    average_handle_seconds=210.0,
    service_level=0.4,
)


def stats(client: httpx.Client, headers: dict[str, str], params: dict[str, Any]) -> dict[str, Any]:
    response = client.get("/v1/stats/calls", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_by_hour_every_hour_of_the_range(
    seeded: None, client: httpx.Client, admin: dict[str, str]
) -> None:
    answer = stats(client, admin, {"from": FROM, "to": TO, "group_by": "hour"})

    assert answer == {
        "from": "2026-11-30T10:00:00Z",
        "to": "2026-11-30T12:00:00Z",
        "group_by": "hour",
        "service_level_seconds": 20,
        "groups": [
            {
                "key": "2026-11-30T10:00:00Z",
                **figures(
                    offered=3,
                    answered=2,
                    abandoned=1,
                    transferred=1,
                    answered_within_service_level=1,
                    average_wait_seconds=20.125,
                    average_handle_seconds=210.0,
                    service_level=0.3333,
                ),
            },
            {
                "key": "2026-11-30T11:00:00Z",
                **figures(
                    offered=2,
                    answered=1,
                    answered_within_service_level=1,
                    average_wait_seconds=20.0,
                    service_level=0.5,
                ),
            },
        ],
        "total": TOTAL,
    }


def test_by_agent_busiest_first_and_calls_without_one_last_among_equals(
    seeded: None, client: httpx.Client, admin: dict[str, str]
) -> None:
    answer = stats(client, admin, {"from": FROM, "to": TO, "group_by": "agent"})

    assert answer["groups"] == [
        {
            "key": str(AGENT_A),
            **figures(
                offered=2,
                answered=2,
                answered_within_service_level=2,
                average_wait_seconds=15.0,
                average_handle_seconds=300.0,
                service_level=1.0,
            ),
        },
        {"key": None, **figures(offered=2, abandoned=1, service_level=0.0)},
        {
            "key": str(AGENT_B),
            **figures(
                offered=1,
                answered=1,
                transferred=1,
                average_wait_seconds=30.25,
                average_handle_seconds=120.0,
                service_level=0.0,
            ),
        },
    ]
    assert answer["total"] == TOTAL


def test_by_category(seeded: None, client: httpx.Client, admin: dict[str, str]) -> None:
    answer = stats(client, admin, {"from": FROM, "to": TO, "group_by": "category"})

    assert answer["groups"] == [
        {
            "key": "ski",
            **figures(
                offered=3,
                answered=2,
                abandoned=1,
                transferred=1,
                answered_within_service_level=1,
                average_wait_seconds=20.125,
                average_handle_seconds=210.0,
                service_level=0.3333,
            ),
        },
        {
            "key": "city",
            **figures(
                offered=1,
                answered=1,
                answered_within_service_level=1,
                average_wait_seconds=20.0,
                service_level=1.0,
            ),
        },
        {"key": None, **figures(offered=1, service_level=0.0)},
    ]


def test_the_service_level_threshold_is_a_query_parameter(
    seeded: None, client: httpx.Client, admin: dict[str, str]
) -> None:
    answer = stats(
        client, admin, {"from": FROM, "to": TO, "group_by": "agent", "service_level_seconds": 10}
    )

    assert answer["service_level_seconds"] == 10
    assert answer["total"]["answered_within_service_level"] == 1
    assert answer["total"]["service_level"] == 0.2


def test_an_unaligned_range_counts_calls_inside_it_in_their_clock_hours(
    seeded: None, client: httpx.Client, admin: dict[str, str]
) -> None:
    answer = stats(
        client, admin, {"from": "2026-11-30T11:30:00+01:00", "to": "2026-11-30T11:15:00Z"}
    )

    assert answer["from"] == "2026-11-30T10:30:00Z"
    assert [(g["key"], g["offered"]) for g in answer["groups"]] == [
        ("2026-11-30T10:00:00Z", 2),
        ("2026-11-30T11:00:00Z", 1),
    ]
    assert answer["total"]["offered"] == 3


def test_a_range_without_calls_has_empty_hours(client: httpx.Client, admin: dict[str, str]) -> None:
    answer = stats(client, admin, {"from": "2026-11-30T10:00:00Z", "to": "2026-11-30T13:00:00Z"})

    assert [g["key"] for g in answer["groups"]] == [
        "2026-11-30T10:00:00Z",
        "2026-11-30T11:00:00Z",
        "2026-11-30T12:00:00Z",
    ]
    assert all(g == {"key": g["key"], **figures()} for g in answer["groups"])
    assert answer["total"] == figures()


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2026-11-30T10:00:00", "to": TO}, "query.from", "timezone"),
        ({"from": FROM, "to": "2026-11-30"}, "query.to", "timezone"),
        ({"to": TO}, "query.from", "Field required"),
        ({"from": FROM, "to": TO, "group_by": "week"}, "query.group_by", "'hour'"),
        ({"from": FROM, "to": TO, "service_level_seconds": 0}, "query.service_level_seconds", "1"),
        ({"from": TO, "to": FROM}, "query.to", "must be later than `from`"),
        ({"from": FROM, "to": FROM}, "query.to", "must be later than `from`"),
        (
            {"from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:01Z"},
            "query.to",
            "with group_by=hour the range may span at most 31 days",
        ),
        (
            {"from": "2025-01-01T00:00:00Z", "to": "2026-01-03T00:00:00Z", "group_by": "agent"},
            "query.to",
            "the range may span at most 366 days",
        ),
    ],
)
def test_bad_ranges_are_422(
    client: httpx.Client,
    admin: dict[str, str],
    params: dict[str, Any],
    field: str,
    message: str,
) -> None:
    response = client.get("/v1/stats/calls", params=params, headers=admin)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert message in errors[0]["message"]


def test_a_month_by_agent_is_allowed(client: httpx.Client, admin: dict[str, str]) -> None:
    answer = stats(
        client,
        admin,
        {"from": "2026-10-01T00:00:00Z", "to": "2026-12-01T00:00:00Z", "group_by": "agent"},
    )

    assert answer["groups"] == []
    assert answer["total"]["offered"] == 0


def test_managers_only(client: httpx.Client, as_role: Callable[..., dict[str, str]]) -> None:
    params = {"from": FROM, "to": TO}

    assert (
        client.get("/v1/stats/calls", params=params, headers=as_role("manager")).status_code == 200
    )
    assert client.get("/v1/stats/calls", params=params, headers=as_role("agent")).status_code == 403
    assert client.get("/v1/stats/calls", params=params).status_code == 401
