"""The order life cycle as pure rules."""

import pytest

from crm_orders.orders.states import can_move


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        ("draft", "placed"),
        ("draft", "cancelled"),
        ("placed", "confirmed"),
        ("placed", "shipped"),
        ("confirmed", "in_production"),
        ("in_production", "shipped"),
        ("shipped", "delivered"),
        ("in_production", "cancelled"),
    ],
)
def test_allowed_moves(current: str, wanted: str) -> None:
    assert can_move(current, wanted) is True


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        ("draft", "confirmed"),
        ("placed", "placed"),
        ("placed", "draft"),
        ("shipped", "confirmed"),
        ("shipped", "cancelled"),
        ("delivered", "cancelled"),
        ("cancelled", "placed"),
        ("cancelled", "cancelled"),
        ("placed", "lost"),
    ],
)
def test_refused_moves(current: str, wanted: str) -> None:
    assert can_move(current, wanted) is False
