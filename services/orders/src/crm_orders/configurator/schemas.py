"""API schemas of the configurator."""

import uuid

from pydantic import BaseModel, ConfigDict, Field

from crm_common.money import Currency, Money
from crm_orders.configurator.pricing import Configuration, Quantity


class ConfigurationCheck(BaseModel):
    """A configuration of one product to check and price."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "product_id": "0190f0c4-1a2b-7c3d-8e4f-001122334455",
                    "options": {"fixture": "F2", "lamp": "L1"},
                    "quantity": 4,
                }
            ]
        },
    )

    product_id: uuid.UUID
    options: Configuration = Field(default_factory=dict)
    quantity: Quantity = 1


class ViolationRead(BaseModel):
    rule: str = Field(description='"rules.<n>" for a product rule, "options.<group>" otherwise')
    kind: str = Field(
        description="unknown_group, unknown_value, missing_required, excludes, requires, "
        "inactive_product"
    )
    message: str


class AlternativeRead(BaseModel):
    options: dict[str, str]
    changed_group: str = Field(description="The one group that differs from the checked options")
    unit_price: Money
    total: Money


class ConfigurationResult(BaseModel):
    product_id: uuid.UUID
    valid: bool
    unit_price: Money | None = Field(description="null when the configuration is not valid")
    total: Money | None = Field(description="unit_price x quantity; null when not valid")
    currency: Currency
    violations: list[ViolationRead]
    alternatives: list[AlternativeRead] = Field(
        description="Valid configurations that change exactly one option (at most 10)"
    )
