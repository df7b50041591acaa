"""Web visitors (devices), their sessions and page views, and the engagement rules."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field

from crm_common.db import UTCDateTime, new_id, utcnow
from crm_routing.db import RoutingBase


class WebVisitor(RoutingBase, table=True):
    """A device (the website's visitor id), and the contact last seen on it."""

    __tablename__ = "web_visitors"

    visitor_id: str = Field(primary_key=True, max_length=200)
    contact_id: uuid.UUID | None = Field(default=None)
    first_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebSession(RoutingBase, table=True):
    """One visit. `engaged_at` is set once (a conditional update): a session is offered once."""

    __tablename__ = "web_sessions"
    __table_args__ = (
        Index("ix_web_sessions_offer_agent_id_offered_at", "offer_agent_id", "offered_at"),
        Index("ix_web_sessions_contact_id", "contact_id"),
    )

    session_id: str = Field(primary_key=True, max_length=200)
    visitor_id: str = Field(max_length=200, index=True)
    contact_id: uuid.UUID | None = Field(default=None)
    page_views: int = Field(default=0)
    first_page_at: datetime = Field(sa_type=UTCDateTime)
    last_page_at: datetime = Field(sa_type=UTCDateTime)
    engaged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    engaged_by: str | None = Field(default=None, max_length=200, description="The rule's name")
    category: str | None = Field(default=None, max_length=100)
    offer_type: str | None = Field(default=None, max_length=20)
    offer_agent_id: uuid.UUID | None = Field(default=None)
    offered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PageView(RoutingBase, table=True):
    __tablename__ = "web_page_views"
    __table_args__ = (
        Index("ix_web_page_views_session_id_occurred_at", "session_id", "occurred_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    session_id: str = Field(max_length=200, foreign_key="web_sessions.session_id")
    url: str = Field(max_length=2000)
    path: str = Field(max_length=2000)
    category: str | None = Field(default=None, max_length=100)
    title: str | None = Field(default=None, max_length=500)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EngagementRule(RoutingBase, table=True):
    """`threshold` for depth, pages and time (seconds); `steps` for sequence."""

    __tablename__ = "engagement_rules"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    threshold: int | None = Field(default=None)
    steps: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    position: int = Field(default=0, description="Rules are tried in this order, then by id")
    active: bool = Field(default=True)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
