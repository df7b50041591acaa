"""Validating and pricing order and quote lines against the catalog: used by orders and quotes.

`price_lines` checks every line (known, active product in the document's currency, a valid
configuration) and raises one 422 listing every problem with its field path; otherwise each line
comes back priced as it will be stored and published.
"""

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlmodel import Session

from crm_common.errors import FieldError, Unprocessable
from crm_common.events.orders import OrderLine
from crm_common.money import Money
from crm_orders.catalog.repository import ProductHead
from crm_orders.commerce import Code, to_cents
from crm_orders.configurator import engine
from crm_orders.configurator.definitions import current

MAX_QUANTITY = 10_000
MAX_OPTIONS = 30

Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY, description="At least 1")]
Configuration = Annotated[
    dict[Code, Code],
    Field(max_length=MAX_OPTIONS, description='{group: code}, e.g. {"lamp": "L1"}'),
]
DiscountPercent = Annotated[
    Money,
    Field(ge=Decimal(0), le=Decimal(100), max_digits=5, decimal_places=2),
    AfterValidator(to_cents),
]


class LineIn(BaseModel):
    """A line to price: a product, its configuration, a quantity and an optional discount."""

    model_config = ConfigDict(extra="forbid")

    product_id: uuid.UUID
    options: Configuration = Field(default_factory=dict)
    quantity: Quantity
    discount_percent: DiscountPercent = Field(default=Decimal("0.00"), description="0-100")


class PricedLine(OrderLine):
    """A validated line with its prices, as stored and as published in events (`OrderLine`)."""


class InvalidLines(Unprocessable):
    """Lines that cannot be priced; `errors` names each problem by field path."""

    code, title = "invalid-lines", "Invalid lines"

    def __init__(self, errors: list[FieldError]) -> None:
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        if len(errors) > 5:
            detail += f"; and {len(errors) - 5} more"
        super().__init__(detail, errors=errors)


def price_lines(
    session: Session, lines: Sequence[LineIn], currency: str, *, path: str = "body.lines"
) -> list[PricedLine]:
    """Each line priced (line_no from 1, in the given order); InvalidLines (422) listing every
    unknown or inactive product, currency mismatch and configuration violation otherwise."""
    products = current(session, (line.product_id for line in lines))
    errors: list[FieldError] = []
    priced: list[PricedLine] = []
    if not lines:
        errors.append(FieldError(field=path, message="at least one line is needed", code="empty"))
    for index, line in enumerate(lines):
        where = f"{path}.{index}"
        found = products.get(line.product_id)
        product = None if found is None else found[0]
        problems = _product_errors(product, line.product_id, currency, where)
        if problems or found is None:
            errors.extend(problems)
            continue
        product, compiled = found
        result = engine.evaluate(compiled, line.options, 1, alternatives=False)
        if not result.valid or result.unit_price is None:
            errors.extend(_violation_errors(result.violations, where))
            continue
        if result.unit_price < 0:
            errors.append(
                FieldError(
                    field=f"{where}.options",
                    message=f"the configuration prices below zero ({result.unit_price})",
                    code="negative_price",
                )
            )
            continue
        priced.append(_priced(len(priced) + 1, product, line, result.unit_price))
    if errors:
        raise InvalidLines(errors)
    return priced


def _product_errors(
    product: ProductHead | None, product_id: uuid.UUID, currency: str, where: str
) -> list[FieldError]:
    field = f"{where}.product_id"
    if product is None:
        return [FieldError(field=field, message=f"no product {product_id}", code="unknown_product")]
    if not product.active:
        return [
            FieldError(
                field=field, message=f"{product.sku} is not on sale", code="inactive_product"
            )
        ]
    if product.currency != currency:
        return [
            FieldError(
                field=field,
                message=f"{product.sku} is priced in {product.currency}, not {currency}",
                code="currency_mismatch",
            )
        ]
    return []


def _violation_errors(violations: Sequence[engine.Violation], where: str) -> list[FieldError]:
    return [
        FieldError(field=f"{where}.options", message=f"{v.rule}: {v.message}", code=v.kind)
        for v in violations
    ]


def _priced(line_no: int, product: ProductHead, line: LineIn, unit_price: Decimal) -> PricedLine:
    gross = unit_price * line.quantity
    line_total = to_cents(gross - gross * line.discount_percent / 100)
    return PricedLine(
        line_no=line_no,
        product_id=product.id,
        sku=product.sku,
        name=product.name,
        category=product.category,
        options=dict(line.options),
        quantity=line.quantity,
        unit_price=unit_price,
        discount_percent=line.discount_percent,
        line_total=line_total,
    )


def quantities(lines: Sequence[PricedLine]) -> Mapping[uuid.UUID, int]:
    """Units per product across `lines` (what placing them reserves)."""
    totals: dict[uuid.UUID, int] = {}
    for line in lines:
        totals[line.product_id] = totals.get(line.product_id, 0) + line.quantity
    return totals
