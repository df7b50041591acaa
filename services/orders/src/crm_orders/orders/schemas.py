"""API schemas of orders (distinct from the tables)."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema

from crm_common.events.orders import Address, OrderLine, OrderStatus, Tracking
from crm_common.money import Currency, Money
from crm_orders.commerce import Name, Reason, Text, bounded_text, clean_text
from crm_orders.configurator.pricing import Configuration, Quantity

MAX_LINES = 100

Country = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{2}$"), Field(description="ISO 3166-1 alpha-2")
]
PostalCode = Annotated[str, bounded_text(20), AfterValidator(clean_text)]
Source = Literal["staff", "partner", "website", "customer", "erp", "system"]


class AddressIn(Address):
    """A delivery address, checked (an `Address` of the events, so either may be passed on)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    line1: Text
    line2: Text | None = None
    postal_code: PostalCode
    city: Text
    region: Text | None = None
    country: Country


class OrderLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: uuid.UUID
    options: Configuration = Field(default_factory=dict)
    quantity: Quantity


Lines = Annotated[list[OrderLineIn], Field(min_length=1, max_length=MAX_LINES)]


class OrderCreate(BaseModel):
    """A new order: placed at once (reserving capacity), or kept as a draft with `"draft": true`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "contact_id": "0190f0c4-1a2b-7c3d-8e4f-001122334455",
                    "currency": "EUR",
                    "lines": [
                        {
                            "product_id": "0190f0c4-1a2b-7c3d-8e4f-00112233aaaa",
                            "options": {"fixture": "F1", "lamp": "L1"},
                            "quantity": 2,
                        }
                    ],
                    "delivery_address": {
                        "line1": "1 Main Street",
                        "postal_code": "10115",
                        "city": "Berlin",
                        "country": "DE",
                    },
                }
            ]
        },
    )

    contact_id: uuid.UUID
    currency: Currency
    lines: Lines
    delivery_address: AddressIn
    draft: bool = False


class OrderUpdate(BaseModel):
    """An amendment of a draft or placed order: lines (replaced whole) and/or the address."""

    model_config = ConfigDict(extra="forbid")

    lines: Lines | SkipJsonSchema[None] = None
    delivery_address: AddressIn | SkipJsonSchema[None] = None

    @field_validator("lines", "delivery_address", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out but not null")
        return value


class OrderCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason | None = None


class StatusEntryRead(BaseModel):
    status: OrderStatus
    from_status: OrderStatus | None
    occurred_at: datetime = Field(description="When it happened (as reported by the ERP)")
    recorded_at: datetime
    source: Source
    reason: str | None
    tracking: Tracking | None


class OrderRead(BaseModel):
    id: uuid.UUID
    number: str
    contact_id: uuid.UUID
    status: OrderStatus
    currency: Currency
    lines: list[OrderLine]
    subtotal: Money = Field(description="Sum of unit price x quantity, before discounts")
    total: Money = Field(description="Sum of line totals")
    delivery_address: Address
    quote_id: uuid.UUID | None
    erp_order_number: str | None
    tracking: Tracking | None = Field(description="The latest tracking reference")
    cancel_reason: str | None
    version: int
    placed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    history: list[StatusEntryRead]
    pseudonymised_at: datetime | None = Field(
        default=None, description="When the contact was erased and the order pseudonymised"
    )


class OrderHistory(BaseModel):
    order_id: uuid.UUID
    number: str
    status: OrderStatus
    items: list[StatusEntryRead]
