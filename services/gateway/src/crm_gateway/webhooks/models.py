"""Webhook subscriptions, the events kept for them, deliveries and each delivery's attempts."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Index, Text, UniqueConstraint
from sqlmodel import Field

from crm_common.db import UTCDateTime, new_id, utcnow
from crm_gateway.db import GatewayBase

URL_MAX_LENGTH = 2000
DESCRIPTION_MAX_LENGTH = 1000
ERROR_MAX_LENGTH = 500


class WebhookSubscription(GatewayBase, table=True):
    """A partner's endpoint and the event types it gets. The signing secret is kept sealed with
    CRM_INTERNAL_SECRET (webhooks/secrets.py); after a rotation the previous one still signs
    alongside until `previous_secret_expires_at`. Status: enabled or disabled (by request, or
    automatically after persistent failure, with `disabled_reason`)."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (Index("ix_webhook_subscriptions_owner", "owner"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    owner: str = Field(max_length=200)
    url: str = Field(max_length=URL_MAX_LENGTH)
    event_types: list[str] = Field(sa_type=JSON)
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX_LENGTH)
    secret_sealed: str = Field(max_length=300)
    previous_secret_sealed: str | None = Field(default=None, max_length=300)
    previous_secret_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default="enabled", max_length=20)
    disabled_reason: str | None = Field(default=None, max_length=ERROR_MAX_LENGTH)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Failed deliveries since the last delivered one, and the first failed attempt since then.
    consecutive_failures: int = Field(default=0)
    failing_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebhookEvent(GatewayBase, table=True):
    """An event as received, once (its CloudEvent JSON in `envelope`), for deliveries and replays.
    `contact_id` names the contact it is about, so that an erasure deletes it."""

    __tablename__ = "webhook_events"
    __table_args__ = (
        Index("ix_webhook_events_time", "time"),
        Index("ix_webhook_events_contact_id", "contact_id"),
    )

    id: uuid.UUID = Field(primary_key=True, description="The CloudEvent's id")
    type: str = Field(max_length=200)
    subject: str = Field(max_length=200)
    time: datetime = Field(sa_type=UTCDateTime)
    contact_id: uuid.UUID | None = Field(default=None)
    envelope: str = Field(sa_type=Text)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebhookDelivery(GatewayBase, table=True):
    """One event for one subscription: pending (due at `next_attempt_at`; a worker sending it
    holds it by moving that past the attempt's timeout), then delivered or failed. `event_id` is no
    foreign key: the log outlives an event deleted by an erasure or the retention sweep."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_subscription_id_id", "subscription_id", "id"),
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_event_id", "event_id"),
        Index("ix_webhook_deliveries_created_at", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    subscription_id: uuid.UUID = Field(foreign_key="webhook_subscriptions.id")
    event_id: uuid.UUID
    event_type: str = Field(max_length=200)
    status: str = Field(default="pending", max_length=20)
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = Field(default=None)
    last_error: str | None = Field(default=None, max_length=ERROR_MAX_LENGTH)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebhookAttempt(GatewayBase, table=True):
    """One POST of a delivery: the receiver's status code, or the error that stood in for one."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (UniqueConstraint("delivery_id", "number"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    delivery_id: uuid.UUID = Field(foreign_key="webhook_deliveries.id")
    number: int
    attempted_at: datetime = Field(sa_type=UTCDateTime)
    status_code: int | None = Field(default=None)
    error: str | None = Field(default=None, max_length=ERROR_MAX_LENGTH)
    duration_ms: float
