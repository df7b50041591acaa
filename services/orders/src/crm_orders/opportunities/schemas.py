"""API schemas of opportunities and their stage history."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from crm_common.money import Currency, Money
from crm_orders.commerce import Name, Reason
from crm_orders.sales import Amount, Day, Identifier, StageName

MAX_PRODUCTS = 50


class OpportunityCreate(BaseModel):
    """A new opportunity; it starts in the first stage of its pipeline (the default one if none)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "contact_id": "01900000-0000-7000-8000-000000000000",
                    "title": "Lighting for the new office",
                    "amount": "64000.00",
                    "currency": "EUR",
                    "expected_close_date": "2030-06-30",
                    "owner_id": "agent-7",
                }
            ]
        },
    )

    contact_id: uuid.UUID
    title: Name
    pipeline_id: uuid.UUID | None = Field(default=None, description="Default pipeline when omitted")
    amount: Amount | None = Field(default=None, description="Needs currency")
    currency: Currency | None = None
    expected_close_date: Day | None = None
    owner_id: Identifier | None = None
    product_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=MAX_PRODUCTS, description="Products of interest"
    )


class OpportunityUpdate(BaseModel):
    """Changes to apply; fields left out stay as they are. The stage moves with POST .../stage."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"amount": "70000.00", "currency": "EUR"}]}
    )

    title: Name | SkipJsonSchema[None] = None
    amount: Amount | None = None
    currency: Currency | None = None
    expected_close_date: Day | None = None
    owner_id: Identifier | None = None
    product_ids: list[uuid.UUID] | SkipJsonSchema[None] = Field(
        default=None, max_length=MAX_PRODUCTS
    )

    @field_validator("title", "product_ids", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out but not null")
        return value


class StageMove(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"stage": "rfq_received"}, {"stage": "lost", "lost_reason": "Price"}]
        },
    )

    stage: StageName = Field(description="A stage of the opportunity's pipeline")
    lost_reason: Reason | None = Field(default=None, description="Required for a lost stage")


class OpportunityRead(BaseModel):
    id: uuid.UUID
    contact_id: uuid.UUID
    title: str
    pipeline_id: uuid.UUID
    stage: str
    stage_kind: Literal["open", "won", "lost"]
    probability: int = Field(description="Of the current stage, in percent")
    amount: Money | None
    currency: Currency | None
    expected_close_date: date | None
    owner_id: str | None
    product_ids: list[uuid.UUID]
    lost_reason: str | None
    order_id: uuid.UUID | None = Field(description="The order it was won with, if any")
    version: int
    created_at: datetime
    updated_at: datetime


class TriggeredTask(BaseModel):
    """A task a stage rule requested on entering the stage (created by the contacts service)."""

    id: uuid.UUID
    rule_id: uuid.UUID
    title: str
    kind: Literal["call", "meeting", "todo"]
    assignee_id: str | None
    due_at: datetime


class StageEntryRead(BaseModel):
    id: uuid.UUID
    from_stage: str | None
    stage: str
    changed_by: str
    entered_at: datetime
    lost_reason: str | None
    order_id: uuid.UUID | None
    requested_tasks: list[TriggeredTask]


def as_decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)
