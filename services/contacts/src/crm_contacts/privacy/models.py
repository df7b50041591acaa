"""Erasure requests and each service's confirmation of one."""

import uuid
from datetime import datetime

from sqlmodel import Field

from crm_common.db import UTCDateTime, new_id
from crm_contacts.db import ContactsBase


class ErasureRequest(ContactsBase, table=True):
    """The erasure of one contact (at most one per contact); completed once every service confirmed."""

    __tablename__ = "erasure_requests"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    contact_id: uuid.UUID = Field(foreign_key="contacts.id", unique=True)
    status: str = Field(max_length=20)
    requested_at: datetime = Field(sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ErasureConfirmation(ContactsBase, table=True):
    """Whether one service has anonymised what it holds for an erasure request."""

    __tablename__ = "erasure_confirmations"

    request_id: uuid.UUID = Field(foreign_key="erasure_requests.id", primary_key=True)
    service: str = Field(max_length=40, primary_key=True)
    status: str = Field(max_length=20)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
