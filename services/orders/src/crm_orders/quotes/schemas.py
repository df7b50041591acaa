"""API schemas of quotes."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from crm_common.events.orders import OrderLine, QuoteStatus
from crm_common.money import Currency, Money
from crm_orders.commerce import Reason
from crm_orders.configurator.pricing import LineIn
from crm_orders.orders.schemas import AddressIn
from crm_orders.sales import Day

MAX_LINES = 100


class QuoteCreate(BaseModel):
    """A quote for an open opportunity, priced by the configurator."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "opportunity_id": "01900000-0000-7000-8000-000000000000",
                    "valid_until": "2030-06-30",
                    "lines": [
                        {
                            "product_id": "01900000-0000-7000-8000-000000000001",
                            "options": {"lamp": "L1", "fixture": "F2"},
                            "quantity": 40,
                            "discount_percent": "5",
                        }
                    ],
                }
            ]
        },
    )

    opportunity_id: uuid.UUID
    valid_until: Day = Field(description="The last day it can be accepted; today or later")
    currency: Currency | None = Field(
        default=None, description="The opportunity's currency when omitted"
    )
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_LINES)


class QuoteAccept(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "delivery_address": {
                        "line1": "1 Main St",
                        "postal_code": "10115",
                        "city": "Berlin",
                        "country": "DE",
                    }
                }
            ]
        },
    )

    delivery_address: AddressIn


class QuoteReject(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason | None = None


class QuoteRead(BaseModel):
    id: uuid.UUID
    number: str = Field(examples=["Q-000123"])
    opportunity_id: uuid.UUID
    contact_id: uuid.UUID
    status: QuoteStatus = Field(description='"expired": draft or sent, and past valid_until')
    currency: Currency
    valid_until: date
    lines: list[OrderLine]
    total: Money
    order_id: uuid.UUID | None = Field(description="The order it was accepted into")
    reject_reason: str | None
    sent_at: datetime | None
    decided_at: datetime | None = Field(description="When it was accepted or rejected")
    version: int
    created_at: datetime
    updated_at: datetime
