"""What a customer sends and sees of their own orders (and, in their export, quotes and deals).

Staff-internal fields stay out: the quote and ERP references, who recorded a step, the reasons
staff gave, the pseudonymisation mark; of quotes, drafts and rejection reasons; of opportunities,
amounts, probabilities, owners, pipelines and lost reasons.
"""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from crm_common.events.orders import Address, OrderLine, OrderStatus, QuoteStatus, Tracking
from crm_common.money import Currency, Money
from crm_orders.orders.schemas import AddressIn, Lines, Source


class MyOrderCreate(BaseModel):
    """An order for oneself: the body of `POST /v1/orders` without `contact_id` (the token's)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
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

    currency: Currency
    lines: Lines
    delivery_address: AddressIn
    draft: bool = False


class MyStatusEntry(BaseModel):
    status: OrderStatus
    from_status: OrderStatus | None
    occurred_at: datetime
    source: Source
    reason: str | None = Field(description="The reason the customer gave (others' are not shown)")
    tracking: Tracking | None


class MyOrderRead(BaseModel):
    id: uuid.UUID
    number: str
    status: OrderStatus
    currency: Currency
    lines: list[OrderLine]
    subtotal: Money = Field(description="Sum of unit price x quantity, before discounts")
    total: Money = Field(description="Sum of line totals")
    delivery_address: Address
    tracking: Tracking | None = Field(description="The latest tracking reference")
    version: int
    placed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    history: list[MyStatusEntry]


class MyQuoteRead(BaseModel):
    """A quote the customer was sent."""

    id: uuid.UUID
    number: str
    status: QuoteStatus
    currency: Currency
    valid_until: date
    lines: list[OrderLine]
    total: Money
    order_id: uuid.UUID | None
    sent_at: datetime | None
    decided_at: datetime | None


class MyOpportunityRead(BaseModel):
    """A deal about the customer, without the sales team's assessment of it."""

    id: uuid.UUID
    title: str
    stage: str
    product_ids: list[uuid.UUID]
    order_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
