"""ERP status reports already applied, by the ERP's own event id (for idempotency)."""

import uuid
from datetime import datetime

from sqlmodel import Field

from crm_common.db import UTCDateTime, utcnow
from crm_orders.db import OrdersBase


class ErpStatusEvent(OrdersBase, table=True):
    __tablename__ = "erp_status_events"

    erp_event_id: str = Field(primary_key=True, max_length=200)
    order_id: uuid.UUID = Field(foreign_key="orders.id", index=True)
    request_hash: str = Field(max_length=64)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
