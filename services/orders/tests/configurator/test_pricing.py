"""`price_lines`, the pricing that orders and quotes share, on a real database."""

import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from crm_orders.configurator.pricing import InvalidLines, LineIn, PricedLine, price_lines

D = Decimal


def test_lines_are_priced_with_discounts(engine: Engine, api: Any) -> None:
    product = api.create_product()
    lines = [
        LineIn(
            product_id=product["id"],
            options={"fixture": "F2", "lamp": "L2"},
            quantity=3,
            discount_percent=D("12.5"),
        ),
        LineIn(product_id=product["id"], options={"fixture": "F1", "lamp": "L1"}, quantity=1),
    ]
    with Session(engine) as session:
        priced = price_lines(session, lines, "EUR")
    assert priced == [
        PricedLine(
            line_no=1,
            product_id=uuid.UUID(product["id"]),
            sku="LUM-100",
            name="Lumen street light",
            category="lighting",
            options={"fixture": "F2", "lamp": "L2"},
            quantity=3,
            unit_price=D("125.50"),
            discount_percent=D("12.50"),
            line_total=D("329.44"),
        ),
        PricedLine(
            line_no=2,
            product_id=uuid.UUID(product["id"]),
            sku="LUM-100",
            name="Lumen street light",
            category="lighting",
            options={"fixture": "F1", "lamp": "L1"},
            quantity=1,
            unit_price=D("100.00"),
            discount_percent=D("0.00"),
            line_total=D("100.00"),
        ),
    ]


def test_every_problem_is_listed_under_the_given_path(engine: Engine, api: Any) -> None:
    product = api.create_product()
    usd = api.create_product(sku="USD-1", currency="USD")
    lines = [
        LineIn(product_id=usd["id"], quantity=1, options={"fixture": "F1", "lamp": "L1"}),
        LineIn(product_id=product["id"], quantity=1, options={"lamp": "L3"}),
    ]
    with Session(engine) as session, pytest.raises(InvalidLines) as raised:
        price_lines(session, lines, "EUR", path="body.items")
    assert raised.value.status == 422
    assert [(e.field, e.code) for e in raised.value.errors] == [
        ("body.items.0.product_id", "currency_mismatch"),
        ("body.items.1.options", "missing_required"),
        ("body.items.1.options", "requires"),
    ]


def test_no_lines_is_an_error(engine: Engine, api: Any) -> None:
    with Session(engine) as session, pytest.raises(InvalidLines) as raised:
        price_lines(session, [], "EUR")
    assert [(e.field, e.code) for e in raised.value.errors] == [("body.lines", "empty")]


def test_a_discount_is_between_0_and_100_percent() -> None:
    with pytest.raises(ValueError, match="discount_percent"):
        LineIn(product_id=uuid.uuid4(), quantity=1, discount_percent=D("100.01"))
    with pytest.raises(ValueError, match="quantity"):
        LineIn(product_id=uuid.uuid4(), quantity=0)
