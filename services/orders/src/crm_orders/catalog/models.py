"""The product table: catalog data, option groups and rules (JSON), and capacity bookkeeping."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Numeric
from sqlmodel import Field

from crm_common.db import UTCDateTime, new_id, utcnow
from crm_orders.db import OrdersBase

PRICE = Numeric(18, 2)


class Product(OrdersBase, table=True):
    """A product; `reserved` counts the places or stock that placed orders hold. The database refuses
    a `reserved` beyond `capacity` too, as a second line behind the conditional update."""

    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint(
            "reserved >= 0 AND (capacity IS NULL OR reserved <= capacity)",
            name="reserved_within_capacity",
        ),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    sku: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    category: str = Field(max_length=200, index=True)
    description: str | None = Field(default=None, max_length=5000)
    base_price: Decimal = Field(sa_type=PRICE)
    currency: str = Field(max_length=3)
    active: bool = Field(default=True)
    variant_group: str | None = Field(default=None, max_length=200, index=True)
    capacity: int | None = Field(default=None)
    reserved: int = Field(default=0)
    # [{"group", "required", "values": [{"code", "price_delta"}]}] and [{"if", "excludes"|"requires"}]
    options: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    rules: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
