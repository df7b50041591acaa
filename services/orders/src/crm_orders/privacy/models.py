"""The contacts this service knows as erased (from `contacts.contact.erased.v1`)."""

import uuid
from datetime import datetime

from sqlmodel import Field

from crm_common.db import UTCDateTime, utcnow
from crm_orders.db import OrdersBase


class ErasedContact(OrdersBase, table=True):
    """An erased contact: its records are pseudonymised and no new order may name it."""

    __tablename__ = "erased_contacts"

    contact_id: uuid.UUID = Field(primary_key=True)
    # The first erasure request that reached this service.
    request_id: uuid.UUID
    requested_at: datetime = Field(sa_type=UTCDateTime)
    erased_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
