"""Payloads published by the orders service on `crm.orders` (key: the product, opportunity, quote or
order id the event is about).

The ERP consumes `orders.order.placed.v1`, `orders.order.amended.v1` and `orders.order.cancelled.v1`:
each carries the whole order, so the ERP never needs to call back. Money is a decimal string in the
order's ISO 4217 currency.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from crm_common.events.envelope import EventPayload
from crm_common.money import Currency, Money

TOPIC = "crm.orders"

OrderStatus = Literal[
    "draft", "placed", "confirmed", "in_production", "shipped", "delivered", "cancelled"
]
QuoteStatus = Literal["draft", "sent", "accepted", "rejected", "expired"]


# --- catalog ---------------------------------------------------------------------------------------


class OptionValue(BaseModel):
    code: str
    price_delta: Money = Field(description="Added to the unit price when this value is chosen")


class OptionGroup(BaseModel):
    group: str
    required: bool = False
    values: list[OptionValue]


class ProductSnapshot(BaseModel):
    """The product as it is after the change."""

    id: uuid.UUID
    sku: str
    name: str
    category: str = Field(description="The product line; routing skills and analytics use it")
    description: str | None = None
    base_price: Money
    currency: Currency
    active: bool
    variant_group: str | None = None
    capacity: int | None = Field(default=None, description="Places or stock; null = unlimited")
    options: list[OptionGroup] = []
    version: int
    created_at: datetime
    updated_at: datetime


class ProductCreated(EventPayload):
    event_type = "orders.product.created.v1"
    topic = TOPIC
    product: ProductSnapshot


class ProductUpdated(EventPayload):
    event_type = "orders.product.updated.v1"
    topic = TOPIC
    product: ProductSnapshot
    changed_fields: list[str]


# --- opportunities ---------------------------------------------------------------------------------


class OpportunitySnapshot(BaseModel):
    id: uuid.UUID
    contact_id: uuid.UUID
    title: str
    pipeline_id: uuid.UUID
    stage: str
    amount: Money | None = None
    currency: Currency | None = None
    expected_close_date: date | None = None
    owner_id: str | None = None
    product_ids: list[uuid.UUID] = Field(default=[], description="Products of interest")
    lost_reason: str | None = None
    version: int
    created_at: datetime
    updated_at: datetime


class RequestedTask(BaseModel):
    """A task a stage rule asks for; the contacts service creates it with this id, exactly once."""

    id: uuid.UUID
    rule_id: uuid.UUID
    title: str
    kind: Literal["call", "meeting", "todo"] = "todo"
    contact_id: uuid.UUID | None = None
    assignee_id: str | None = None
    due_at: datetime | None = None


class OpportunityCreated(EventPayload):
    event_type = "orders.opportunity.created.v1"
    topic = TOPIC
    opportunity: OpportunitySnapshot
    requested_tasks: list[RequestedTask] = []


class OpportunityStageChanged(EventPayload):
    event_type = "orders.opportunity.stage_changed.v1"
    topic = TOPIC
    opportunity: OpportunitySnapshot
    from_stage: str
    to_stage: str
    changed_by: str
    requested_tasks: list[RequestedTask] = []


class OpportunityWon(EventPayload):
    event_type = "orders.opportunity.won.v1"
    topic = TOPIC
    opportunity: OpportunitySnapshot
    order_id: uuid.UUID | None = None


class OpportunityLost(EventPayload):
    event_type = "orders.opportunity.lost.v1"
    topic = TOPIC
    opportunity: OpportunitySnapshot
    lost_reason: str | None = None


class OpportunityUpdated(EventPayload):
    """Fields other than the stage changed (the stage has its own events)."""

    event_type = "orders.opportunity.updated.v1"
    topic = TOPIC
    opportunity: OpportunitySnapshot
    changed_fields: list[str]


# --- quotes and orders -----------------------------------------------------------------------------


class OrderLine(BaseModel):
    line_no: int
    product_id: uuid.UUID
    sku: str
    name: str
    category: str
    options: dict[str, str] = {}
    quantity: int
    unit_price: Money
    discount_percent: Money = Field(default=Decimal("0"), description="0-100")
    line_total: Money


class Address(BaseModel):
    name: str | None = None
    line1: str
    line2: str | None = None
    postal_code: str
    city: str
    region: str | None = None
    country: str = Field(description="ISO 3166-1 alpha-2")


class Tracking(BaseModel):
    carrier: str
    number: str
    url: str | None = None


class QuoteSnapshot(BaseModel):
    id: uuid.UUID
    number: str
    opportunity_id: uuid.UUID
    contact_id: uuid.UUID
    status: QuoteStatus
    currency: Currency
    valid_until: date
    lines: list[OrderLine]
    total: Money
    version: int
    created_at: datetime
    updated_at: datetime


class QuoteSent(EventPayload):
    event_type = "orders.quote.sent.v1"
    topic = TOPIC
    quote: QuoteSnapshot


class QuoteAccepted(EventPayload):
    event_type = "orders.quote.accepted.v1"
    topic = TOPIC
    quote: QuoteSnapshot
    order_id: uuid.UUID


class OrderSnapshot(BaseModel):
    """The whole order: what the ERP needs to produce and deliver it without calling back."""

    id: uuid.UUID
    number: str = Field(description="Human-readable order number, unique")
    contact_id: uuid.UUID
    customer_reference: str = Field(description="The customer as the ERP knows them (contact id)")
    status: OrderStatus
    currency: Currency
    lines: list[OrderLine]
    subtotal: Money
    total: Money
    delivery_address: Address
    quote_id: uuid.UUID | None = None
    erp_order_number: str | None = None
    version: int
    placed_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class OrderPlaced(EventPayload):
    event_type = "orders.order.placed.v1"
    topic = TOPIC
    order: OrderSnapshot


class OrderAmended(EventPayload):
    event_type = "orders.order.amended.v1"
    topic = TOPIC
    order: OrderSnapshot
    changed_fields: list[str]


class OrderCancelled(EventPayload):
    event_type = "orders.order.cancelled.v1"
    topic = TOPIC
    order: OrderSnapshot
    reason: str | None = None


class OrderStatusChanged(EventPayload):
    """Every status change after placement (the ERP's reports, and cancellation)."""

    event_type = "orders.order.status_changed.v1"
    topic = TOPIC
    order_id: uuid.UUID
    number: str
    contact_id: uuid.UUID
    from_status: OrderStatus
    to_status: OrderStatus
    occurred_at: datetime
    source: str = Field(description="Who reported it: erp, staff, customer, system")
    erp_order_number: str | None = None
    total: Money | None = Field(default=None, description="The order's total (since 2026-12)")
    currency: Currency | None = Field(default=None, description="The total's currency")
    tracking: Tracking | None = None


class ErasureCompleted(EventPayload):
    """The orders service anonymised what it holds about an erased contact: its orders are kept
    for accounting, pseudonymised (no name, address or free text of the person remains)."""

    event_type = "orders.erasure.completed.v1"
    topic = TOPIC
    request_id: uuid.UUID
    contact_id: uuid.UUID
    completed_at: datetime
    records: int = Field(description="How many records were anonymised")
