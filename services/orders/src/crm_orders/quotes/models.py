"""Quotes (priced lines kept as published) and the counter their numbers come from."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field

from crm_common.db import UTCDateTime, new_id, utcnow
from crm_orders.db import OrdersBase


class Quote(OrdersBase, table=True):
    __tablename__ = "quotes"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    opportunity_id: uuid.UUID = Field(foreign_key="opportunities.id", index=True)
    contact_id: uuid.UUID
    # draft, sent, accepted or rejected; "expired" is derived from valid_until when read.
    status: str = Field(default="draft", max_length=20)
    currency: str = Field(max_length=3)
    valid_until: date
    lines: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    # Exact decimal text, as published.
    total: str = Field(max_length=40)
    order_id: uuid.UUID | None = Field(default=None)
    reject_reason: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SalesCounter(OrdersBase, table=True):
    """Named counters for human-readable numbers (the migration creates the "quote" row)."""

    __tablename__ = "sales_counters"

    name: str = Field(primary_key=True, max_length=50)
    value: int = Field(default=0)
