"""The pure arithmetic of loyalty: FIFO draws and expiry of lots, points per order, tiers."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from crm_contacts.loyalty.ledger import (
    Draw,
    Expiring,
    Lot,
    balance,
    draw,
    expired,
    soonest,
    without,
)
from crm_contacts.loyalty.rules import Standing, Tier, points_for, standing, tier_errors

A, B, C = (uuid.UUID(int=n) for n in (1, 2, 3))
JAN = datetime(2031, 1, 1, tzinfo=UTC)
FEB = datetime(2031, 2, 1, tzinfo=UTC)
MAR = datetime(2031, 3, 1, tzinfo=UTC)
TIERS = [Tier("bronze", 0), Tier("silver", 1000), Tier("gold", 5000)]


def test_a_draw_takes_the_oldest_lots_first() -> None:
    lots = [Lot(A, 100, JAN), Lot(B, 50, FEB), Lot(C, 30, None)]

    draws, left = draw(lots, 120)

    assert draws == [Draw(A, 100), Draw(B, 20)]
    assert left == [Lot(B, 30, FEB), Lot(C, 30, None)]
    assert balance(left) == 60


def test_a_draw_of_everything_leaves_no_lot_and_one_beyond_is_refused() -> None:
    lots = [Lot(A, 100, JAN), Lot(B, 50, None)]

    assert draw(lots, 150) == ([Draw(A, 100), Draw(B, 50)], [])
    with pytest.raises(ValueError, match="the lots hold 150 points, fewer than 151"):
        draw(lots, 151)


def test_expired_lots_are_those_due_at_or_before_now_soonest_first() -> None:
    lots = [Lot(A, 100, FEB), Lot(B, 50, JAN), Lot(C, 30, None), Lot(uuid.UUID(int=4), 0, JAN)]

    assert expired(lots, datetime(2031, 1, 31, tzinfo=UTC)) == [Lot(B, 50, JAN)]
    assert expired(lots, FEB) == [Lot(B, 50, JAN), Lot(A, 100, FEB)]
    assert without(lots, expired(lots, FEB)) == [Lot(C, 30, None), Lot(uuid.UUID(int=4), 0, JAN)]


def test_only_the_unconsumed_part_of_an_earn_expires() -> None:
    # 100 earned (expiring in January) and 100 more (March); 150 redeemed in December.
    _, left = draw([Lot(A, 100, JAN), Lot(B, 100, MAR)], 150)

    assert expired(left, JAN) == []
    assert expired(left, MAR) == [Lot(B, 50, MAR)]


def test_the_soonest_expiry_sums_the_lots_of_that_instant() -> None:
    lots = [Lot(A, 40, FEB), Lot(B, 60, JAN), Lot(C, 5, JAN), Lot(uuid.UUID(int=4), 7, None)]

    assert soonest(lots) == Expiring(65, JAN)
    assert soonest([Lot(A, 10, None)]) is None
    assert soonest([]) is None


def test_points_are_the_floor_of_total_times_rate_per_currency() -> None:
    rates = {"EUR": "1", "USD": "1.5", "GBP": "0.01"}

    assert points_for(Decimal("129.99"), "EUR", rates) == 129
    assert points_for(Decimal("99.99"), "USD", rates) == 149
    assert points_for(Decimal("199.00"), "GBP", rates) == 1
    assert points_for(Decimal("120.00"), "CHF", rates) == 0
    assert points_for(Decimal("0.00"), "EUR", rates) == 0


def test_the_tier_is_the_highest_threshold_reached() -> None:
    assert standing(TIERS, 0) == Standing("bronze", "silver", 1000)
    assert standing(TIERS, 999) == Standing("bronze", "silver", 1)
    assert standing(TIERS, 1000) == Standing("silver", "gold", 4000)
    assert standing(TIERS, 4999) == Standing("silver", "gold", 1)
    assert standing(TIERS, 5000) == Standing("gold", None, None)
    assert standing([Tier("member", 0)], 12) == Standing("member", None, None)


def test_tier_rules_the_first_at_zero_ascending_and_unique_names() -> None:
    assert tier_errors(TIERS) == []
    errors = tier_errors([Tier("bronze", 10), Tier("Bronze", 10), Tier("gold", 5)])

    assert [(e.field, e.code) for e in errors] == [
        ("body.tiers.0.threshold", "first_tier_not_zero"),
        ("body.tiers.1.threshold", "thresholds_not_ascending"),
        ("body.tiers.1.name", "duplicate_tier_name"),
        ("body.tiers.2.threshold", "thresholds_not_ascending"),
    ]
