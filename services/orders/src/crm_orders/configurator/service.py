"""Checking and pricing one configuration of a stored product."""

from sqlmodel import Session

from crm_orders.catalog.errors import ProductNotFound
from crm_orders.configurator import engine
from crm_orders.configurator.definitions import current
from crm_orders.configurator.schemas import (
    AlternativeRead,
    ConfigurationCheck,
    ConfigurationResult,
    ViolationRead,
)
from crm_orders.db import read_only


def validate_configuration(session: Session, data: ConfigurationCheck) -> ConfigurationResult:
    """The engine's verdict on `data`; a product that is not on sale is never valid."""
    read_only(session)
    found = current(session, [data.product_id]).get(data.product_id)
    if found is None:
        raise ProductNotFound(data.product_id)
    product, compiled = found
    result = engine.evaluate(compiled, data.options, data.quantity)
    violations = [
        ViolationRead(rule=v.rule, kind=v.kind, message=v.message) for v in result.violations
    ]
    valid = result.valid
    if not product.active:
        valid = False
        violations.insert(
            0,
            ViolationRead(
                rule="product.active",
                kind="inactive_product",
                message=f"{product.sku} is not on sale",
            ),
        )
    return ConfigurationResult(
        product_id=product.id,
        valid=valid,
        unit_price=result.unit_price if valid else None,
        total=result.total if valid else None,
        currency=product.currency,
        violations=violations,
        alternatives=[
            AlternativeRead(
                options=a.options,
                changed_group=a.changed_group,
                unit_price=a.unit_price,
                total=a.total,
            )
            for a in result.alternatives
        ]
        if product.active
        else [],
    )
