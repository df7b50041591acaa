"""Calls as the ACD sees them, from ringing to their end."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Index
from sqlmodel import Field

from crm_common.db import UTCDateTime, utcnow
from crm_routing.db import RoutingBase


class Call(RoutingBase, table=True):
    """Status: queued → assigned → answered → ended, or abandoned before an answer."""

    __tablename__ = "calls"
    __table_args__ = (
        Index("ix_calls_status_priority_queued_at", "status", "priority", "queued_at"),
        Index("ix_calls_contact_id_answered_at", "contact_id", "answered_at"),
        Index("ix_calls_from_number_answered_at", "from_number", "answered_at"),
    )

    call_id: str = Field(primary_key=True, max_length=200)
    status: str = Field(max_length=20)
    from_number: str | None = Field(default=None, max_length=32)
    to_number: str | None = Field(default=None, max_length=32)
    category: str | None = Field(default=None, max_length=100)
    contact_id: uuid.UUID | None = Field(default=None)
    preferred_agent_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    priority: int = Field(default=0)
    agent_id: uuid.UUID | None = Field(default=None)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    queued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    assigned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    transfers: int = Field(default=0)
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
