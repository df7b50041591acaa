"""Tables of orders: the order, its priced lines, and its status history."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Numeric
from sqlmodel import Field

from crm_common.db import UTCDateTime, new_id, utcnow
from crm_orders.catalog.models import PRICE
from crm_orders.db import OrdersBase


class Order(OrdersBase, table=True):
    """An order; `last_erp_at` is when the last applied ERP report happened (older ones are 409)."""

    __tablename__ = "orders"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    contact_id: uuid.UUID = Field(index=True)
    status: str = Field(max_length=20, index=True)
    currency: str = Field(max_length=3)
    subtotal: Decimal = Field(sa_type=PRICE)
    total: Decimal = Field(sa_type=PRICE)
    delivery_address: dict[str, Any] = Field(sa_type=JSON)
    quote_id: uuid.UUID | None = Field(default=None, index=True)
    erp_order_number: str | None = Field(default=None, max_length=100)
    tracking: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    cancel_reason: str | None = Field(default=None, max_length=500)
    last_erp_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str = Field(max_length=200)
    version: int = Field(default=1)
    placed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Set when the contact was erased: the order is kept, without the person's data.
    pseudonymised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OrderLineRow(OrdersBase, table=True):
    """A priced line of an order, as it was validated (prices kept even if the catalog changes)."""

    __tablename__ = "order_lines"

    order_id: uuid.UUID = Field(foreign_key="orders.id", primary_key=True)
    line_no: int = Field(primary_key=True)
    product_id: uuid.UUID = Field(index=True)
    sku: str = Field(max_length=64)
    name: str = Field(max_length=200)
    category: str = Field(max_length=200)
    options: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    quantity: int
    unit_price: Decimal = Field(sa_type=PRICE)
    discount_percent: Decimal = Field(default=Decimal(0), sa_type=Numeric(5, 2))
    line_total: Decimal = Field(sa_type=PRICE)


class OrderStatusEntry(OrdersBase, table=True):
    """One step of an order's status history: when, from where, and the carrier's tracking."""

    __tablename__ = "order_status_history"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    order_id: uuid.UUID = Field(foreign_key="orders.id", index=True)
    from_status: str | None = Field(default=None, max_length=20)
    status: str = Field(max_length=20)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    source: str = Field(max_length=20)
    actor: str = Field(max_length=200)
    reason: str | None = Field(default=None, max_length=500)
    erp_event_id: str | None = Field(default=None, max_length=200)
    tracking: dict[str, Any] | None = Field(default=None, sa_type=JSON)
