"""API schemas of call events, routing answers, calls and screen pops."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from crm_common.money import Currency, Money
from crm_routing.validation import CallId, Label

CallEventKind = Literal["ringing", "answered", "ended", "abandoned", "transferred"]
CallStatus = Literal["queued", "assigned", "answered", "ended", "abandoned"]
Number = Annotated[str, StringConstraints(max_length=64)]


class CallEvent(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "call_id": "pbx-4711",
                    "event": "ringing",
                    "from": "+14155550123",
                    "to": "+14155550100",
                    "category": "ski",
                }
            ]
        },
    )

    call_id: CallId
    event: CallEventKind
    from_: Number | None = Field(
        default=None, alias="from", description="Caller number; null or 'anonymous' when withheld"
    )
    to: Number | None = Field(default=None, description="The dialled number")
    category: Label | None = Field(default=None, description="The IVR choice, if any")
    to_agent_id: uuid.UUID | None = Field(
        default=None, description="transferred: the agent who takes the call (else it requeues)"
    )


class CallAnswer(BaseModel):
    """What the telephony platform does: connect the call to an extension, queue it, or nothing."""

    call_id: str
    status: CallStatus
    action: Literal["connect", "queue", "none"]
    agent_id: uuid.UUID | None = None
    extension: str | None = None
    screen_pop_url: str | None = None
    position: int | None = Field(default=None, description="1 = next in the queue")
    expected_wait_seconds: int | None = None


class CallRead(BaseModel):
    call_id: str
    status: CallStatus
    from_number: str | None
    to_number: str | None
    category: str | None
    contact_id: uuid.UUID | None
    agent_id: uuid.UUID | None
    priority: int
    position: int | None = Field(description="Place in the queue while queued")
    transfers: int
    started_at: datetime
    queued_at: datetime | None
    assigned_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    version: int


class AmountRead(BaseModel):
    amount: Money
    currency: Currency


class OrderSummary(BaseModel):
    id: uuid.UUID
    number: str
    status: str
    total: Money
    currency: Currency
    categories: list[str]


class OpportunitySummary(BaseModel):
    id: uuid.UUID
    title: str
    stage: str
    amount: Money | None
    currency: Currency | None


class CallerRead(BaseModel):
    number: str | None
    contact_id: uuid.UUID | None
    name: str | None
    owner_id: str | None
    lifecycle_stage: str | None


class ScreenPop(BaseModel):
    call_id: str
    status: CallStatus
    agent_id: uuid.UUID | None
    category: str | None
    caller: CallerRead
    total_spent: list[AmountRead]
    categories_bought: dict[str, int]
    open_orders: list[OrderSummary]
    recent_orders: list[OrderSummary]
    open_opportunities: list[OpportunitySummary]
    open_opportunity_value: list[AmountRead]
