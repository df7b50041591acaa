"""Callbacks and each attempt to make one."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field

from crm_common.db import UTCDateTime, new_id, utcnow
from crm_routing.db import RoutingBase

NOTE_MAX_LENGTH = 2000


class Callback(RoutingBase, table=True):
    """Status: scheduled → in_progress → completed, or back to scheduled for a retry; failed after
    the last attempt, expired when the window passes, cancelled on request (or, with a
    `cancel_reason`, by the service). `agent_id` is the agent of the current (or last) attempt.
    `purpose` is service (the customer asked for it) or marketing (an outbound offer, made only
    while the contact's phone consent is granted)."""

    __tablename__ = "callbacks"
    __table_args__ = (
        Index("ix_callbacks_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_callbacks_contact_id", "contact_id"),
        Index("ix_callbacks_created_by", "created_by"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    contact_id: uuid.UUID | None = Field(default=None)
    phone: str = Field(max_length=32)
    category: str | None = Field(default=None, max_length=100)
    purpose: str = Field(default="service", max_length=20)
    note: str = Field(max_length=NOTE_MAX_LENGTH)
    window_from: datetime = Field(sa_type=UTCDateTime)
    window_to: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(max_length=20)
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    agent_id: uuid.UUID | None = Field(default=None)
    preferred_agent_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    created_by: str = Field(max_length=200)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancel_reason: str | None = Field(default=None, max_length=40)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CallbackAttempt(RoutingBase, table=True):
    """One try: the agent claimed, then the outcome the telephony platform reports (null while
    under way). A callback's attempts are numbered 1, 2, ... and a number exists once."""

    __tablename__ = "callback_attempts"
    __table_args__ = (
        UniqueConstraint("callback_id", "number"),
        Index("ix_callback_attempts_outcome_started_at", "outcome", "started_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    callback_id: uuid.UUID = Field(foreign_key="callbacks.id")
    number: int
    agent_id: uuid.UUID
    extension: str = Field(max_length=300)
    started_at: datetime = Field(sa_type=UTCDateTime)
    outcome: str | None = Field(default=None, max_length=20)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    duration_seconds: float | None = Field(default=None)
