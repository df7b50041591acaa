"""API schemas of the catalog (distinct from the table)."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from crm_common.money import Currency, Money
from crm_orders.commerce import Code, Description, Name, Sku, Text, to_cents

MAX_GROUPS = 30
MAX_VALUES = 100
MAX_RULES = 500
MAX_PAIRS = 10
MAX_CAPACITY = 10_000_000

BasePrice = Annotated[
    Money, Field(ge=Decimal(0), max_digits=10, decimal_places=2), AfterValidator(to_cents)
]
PriceDelta = Annotated[
    Money,
    Field(ge=Decimal(-9_999_999), le=Decimal(9_999_999), max_digits=9, decimal_places=2),
    AfterValidator(to_cents),
]
Capacity = Annotated[int, Field(ge=0, le=MAX_CAPACITY)]
Pairs = Annotated[dict[Code, Code], Field(min_length=1, max_length=MAX_PAIRS)]


class OptionValueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    price_delta: PriceDelta = Field(
        default=Decimal("0.00"), description="Added to the unit price when this value is chosen"
    )


class OptionGroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    group: Code
    required: bool = False
    values: list[OptionValueIn] = Field(min_length=1, max_length=MAX_VALUES)


class ConfigurationRule(BaseModel):
    """When every option of `if` is chosen, none of `excludes` may be and all of `requires` must be."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        serialize_by_alias=True,
        json_schema_extra={"examples": [{"if": {"fixture": "F2"}, "excludes": {"lamp": "L3"}}]},
    )

    if_: Pairs = Field(alias="if", description="{group: code} conditions, all of which must hold")
    # Left out of answers when absent: a rule is written back as it was given.
    excludes: Pairs | SkipJsonSchema[None] = Field(
        default=None,
        description="{group: code} values that may not be chosen then",
        exclude_if=lambda value: value is None,
    )
    requires: Pairs | SkipJsonSchema[None] = Field(
        default=None,
        description="{group: code} values that must be chosen then",
        exclude_if=lambda value: value is None,
    )

    @model_validator(mode="after")
    def _has_consequence(self) -> "ConfigurationRule":
        if self.excludes is None and self.requires is None:
            raise ValueError("a rule needs `excludes` or `requires`")
        return self


Options = Annotated[list[OptionGroupIn], Field(max_length=MAX_GROUPS)]
Rules = Annotated[list[ConfigurationRule], Field(max_length=MAX_RULES)]


class ProductCreate(BaseModel):
    """A new product; `sku` must be unique, rules may name only the product's own options."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "sku": "LUM-100",
                    "name": "Lumen street light",
                    "category": "lighting",
                    "base_price": "1200.00",
                    "currency": "EUR",
                    "capacity": 40,
                    "options": [
                        {
                            "group": "fixture",
                            "required": True,
                            "values": [{"code": "F1"}, {"code": "F2", "price_delta": "80.00"}],
                        },
                        {
                            "group": "lamp",
                            "required": True,
                            "values": [{"code": "L1"}, {"code": "L3", "price_delta": "45.50"}],
                        },
                    ],
                    "rules": [{"if": {"fixture": "F2"}, "excludes": {"lamp": "L3"}}],
                }
            ]
        },
    )

    sku: Sku
    name: Name
    category: Text = Field(description="The product line; routing skills and analytics use it")
    description: Description | None = None
    base_price: BasePrice
    currency: Currency
    active: bool = True
    variant_group: Text | None = Field(
        default=None, description="Products of one group are alternative variants of one offer"
    )
    capacity: Capacity | None = Field(default=None, description="Places or stock; null = unlimited")
    options: Options = Field(default_factory=list)
    rules: Rules = Field(default_factory=list)


class ProductUpdate(BaseModel):
    """Changes to apply; fields left out stay as they are. `options` and `rules` are replaced whole."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"base_price": "1250.00", "active": False}]}
    )

    sku: Sku | SkipJsonSchema[None] = None
    name: Name | SkipJsonSchema[None] = None
    category: Text | SkipJsonSchema[None] = None
    description: Description | None = None
    base_price: BasePrice | SkipJsonSchema[None] = None
    currency: Currency | SkipJsonSchema[None] = None
    active: bool | SkipJsonSchema[None] = None
    variant_group: Text | None = None
    capacity: Capacity | None = None
    options: Options | SkipJsonSchema[None] = None
    rules: Rules | SkipJsonSchema[None] = None

    @field_validator(
        "sku", "name", "category", "base_price", "currency", "active", "options", "rules",
        mode="before",
    )  # fmt: skip
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out but not null")
        return value


class OptionValueRead(BaseModel):
    code: str
    price_delta: Money


class OptionGroupRead(BaseModel):
    group: str
    required: bool
    values: list[OptionValueRead]


class ProductRead(BaseModel):
    model_config = ConfigDict(serialize_by_alias=True)

    id: uuid.UUID
    sku: str
    name: str
    category: str
    description: str | None
    base_price: Money
    currency: Currency
    active: bool
    variant_group: str | None
    capacity: int | None = Field(description="Places or stock; null = unlimited")
    reserved: int = Field(description="Places held by placed orders")
    available: int | None = Field(description="capacity - reserved; null = unlimited")
    options: list[OptionGroupRead]
    rules: list[ConfigurationRule]
    version: int
    created_at: datetime
    updated_at: datetime
