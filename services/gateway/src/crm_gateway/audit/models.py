"""The audit log: one row per read or change of a contact's personal data by staff or partners.

Append-only: nothing in the gateway updates or deletes an entry, and the database refuses it
(triggers of migration 0005).
"""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Index
from sqlmodel import Field

from crm_common.db import UTCDateTime, utcnow
from crm_gateway.db import GatewayBase


class AuditEntry(GatewayBase, table=True):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_contact_id_seq", "contact_id", "seq"),
        Index("ix_audit_entries_principal_id_seq", "principal_id", "seq"),
    )

    seq: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    principal_id: str = Field(max_length=200)
    roles: list[str] = Field(sa_type=JSON)
    action: str = Field(max_length=10, description="read or change")
    method: str = Field(max_length=10)
    path: str = Field(max_length=2000)
    status: int
    contact_id: uuid.UUID | None = Field(default=None)
    reason: str | None = Field(default=None, max_length=200)
    request_id: str | None = Field(default=None, max_length=200)
