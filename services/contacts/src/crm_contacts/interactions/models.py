"""The interaction timeline: calls, emails, meetings, chats, web visits and notes."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Text
from sqlmodel import Field

from crm_common.db import UTCDateTime, new_id, utcnow
from crm_contacts.db import ContactsBase


class Interaction(ContactsBase, table=True):
    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_contact_id_occurred_at_id", "contact_id", "occurred_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    contact_id: uuid.UUID = Field(foreign_key="contacts.id")
    channel: str = Field(max_length=20)
    direction: str = Field(max_length=20)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    subject: str | None = Field(default=None, max_length=500)
    body: str | None = Field(default=None, sa_type=Text)
    agent_id: str | None = Field(default=None, max_length=200)
    duration_seconds: int | None = Field(default=None)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
