"""Expiry on the database at explicit instants: FIFO, lazy before reads and writes, exact figures."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from crm_common.db import transaction
from crm_contacts.access import EVERYTHING
from crm_contacts.loyalty import service
from crm_contacts.loyalty.errors import InsufficientPoints
from crm_contacts.loyalty.schemas import AccountRead, EntryRead, ExpiringPoints, RedemptionCreate

JAN_10 = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)
JUN_01 = datetime(2030, 6, 1, 8, 0, tzinfo=UTC)
JUL_01 = datetime(2030, 7, 1, 9, 0, tzinfo=UTC)
# 365 days after each delivery (the default programme).
A_EXPIRES = datetime(2031, 1, 10, 12, 0, tzinfo=UTC)
B_EXPIRES = datetime(2031, 6, 1, 8, 0, tzinfo=UTC)


def summary(engine: Engine, contact_id: str, now: datetime) -> AccountRead:
    with transaction(engine) as session:
        return service.get_account(session, uuid.UUID(contact_id), EVERYTHING, now=now)


def ledger(engine: Engine, contact_id: str, now: datetime) -> list[tuple[str, int, int]]:
    """(kind, points, balance after) of every entry, oldest first, as read at `now`."""
    with transaction(engine) as session:
        rows, _ = service.list_entries(session, uuid.UUID(contact_id), 200, None, EVERYTHING, now)
    return [(e.kind.value, e.points, e.balance_after) for e in reversed(rows)]


def spend(engine: Engine, contact_id: str, points: int, now: datetime) -> EntryRead:
    with transaction(engine) as session:
        return service.redeem(
            session, uuid.UUID(contact_id), RedemptionCreate(points=points), EVERYTHING, now
        )


def test_redemptions_consume_the_oldest_points_so_only_the_rest_expires(
    api: Any, engine: Engine, earn: Any
) -> None:
    contact = api.create_contact()["id"]
    order_a, order_b = uuid.uuid4(), uuid.uuid4()
    a = earn(contact, "100.00", JAN_10, order_id=order_a)
    earn(contact, "200.00", JUN_01, order_id=order_b)
    assert a.expires_at == A_EXPIRES
    spend(engine, contact, 150, JUL_01)  # all of A's 100, then 50 of B's 200

    # A was spent before it expired: nothing goes at its expiry.
    at_a = summary(engine, contact, A_EXPIRES)
    assert (at_a.balance, at_a.expiring) == (150, ExpiringPoints(points=150, expires_at=B_EXPIRES))

    just_before = summary(engine, contact, datetime(2031, 6, 1, 7, 59, 59, tzinfo=UTC))
    assert just_before.balance == 150
    at_b = summary(engine, contact, B_EXPIRES)
    assert (at_b.balance, at_b.earned_points, at_b.expiring, at_b.tier) == (0, 300, None, "bronze")
    assert ledger(engine, contact, B_EXPIRES) == [
        ("earn", 100, 100),
        ("earn", 200, 300),
        ("redeem", -150, 150),
        ("expire", -150, 0),
    ]
    with transaction(engine) as session:
        rows, _ = service.list_entries(session, uuid.UUID(contact), 1, None, EVERYTHING, B_EXPIRES)
    assert (rows[0].order_id, rows[0].created_at, rows[0].expires_at) == (order_b, B_EXPIRES, None)
    assert rows[0].reason == "Points of 2030-06-01 expired on 2031-06-01"

    # Applied once: later reads find nothing more to expire.
    assert len(ledger(engine, contact, datetime(2032, 1, 1, tzinfo=UTC))) == 4


def test_each_lot_expires_for_what_is_left_of_it_and_adjustments_never_expire(
    api: Any, engine: Engine, earn: Any, grant: Any
) -> None:
    contact = api.create_contact()["id"]
    earn(contact, "100.00", JAN_10)
    earn(contact, "100.00", JUN_01)
    spend(engine, contact, 30, JUL_01)
    grant(contact, 40)

    assert summary(engine, contact, A_EXPIRES).balance == 140
    assert summary(engine, contact, B_EXPIRES).balance == 40
    assert ledger(engine, contact, B_EXPIRES) == [
        ("earn", 100, 100),
        ("earn", 100, 200),
        ("redeem", -30, 170),
        ("adjust", 40, 210),
        ("expire", -70, 140),
        ("expire", -100, 40),
    ]


def test_a_write_applies_expiry_first_and_a_refused_one_keeps_nothing(
    api: Any, engine: Engine, earn: Any, count: Callable[[str], int]
) -> None:
    contact = api.create_contact()["id"]
    earn(contact, "100.00", JAN_10)

    with pytest.raises(InsufficientPoints) as refused:
        spend(engine, contact, 60, A_EXPIRES)
    assert (refused.value.extra["balance"], refused.value.extra["requested"]) == (0, 60)
    assert count("loyalty_entries") == 1

    # An earn after the expiry writes it off first, then credits the new points.
    earn(contact, "80.00", JUN_01.replace(year=2031), now=datetime(2031, 6, 2, tzinfo=UTC))
    assert ledger(engine, contact, datetime(2031, 6, 2, tzinfo=UTC)) == [
        ("earn", 100, 100),
        ("expire", -100, 0),
        ("earn", 80, 80),
    ]


def test_points_of_a_programme_without_expiry_never_expire(
    client: Any, admin: dict[str, str], api: Any, engine: Engine, earn: Any
) -> None:
    programme = client.get("/v1/loyalty/programme", headers=admin).json()
    changed = client.put(
        "/v1/loyalty/programme",
        json={"earn_rates": {"EUR": "1.5"}, "tiers": programme["tiers"], "expiry_days": None},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    contact = api.create_contact()["id"]

    entry = earn(contact, "99.99", JAN_10)

    assert (entry.points, entry.expires_at) == (149, None)
    assert earn(contact, "100.00", JAN_10, currency="USD") is None
    later = summary(engine, contact, datetime(2040, 1, 1, tzinfo=UTC))
    assert (later.balance, later.expiring) == (149, None)


def test_an_order_earns_once_whoever_tells_it(api: Any, engine: Engine, earn: Any) -> None:
    contact = api.create_contact()["id"]
    order = uuid.uuid4()

    first = earn(contact, "120.00", JAN_10, order_id=order)
    second = earn(contact, "120.00", JAN_10, order_id=order, now=JUN_01)

    assert (first.points, second) == (120, None)
    assert ledger(engine, contact, JUN_01) == [("earn", 120, 120)]
