"""The agents' feed: one row per notification; its integer id is the server-sent event id."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field

from crm_common.db import UTCDateTime, utcnow
from crm_routing.db import RoutingBase


class AgentFeedItem(RoutingBase, table=True):
    """Rows of one agent are written under that agent's row lock (see `feed.service.notify`), so
    their ids grow in commit order and a reader polling `id > last` never skips one."""

    __tablename__ = "agent_feed_items"
    __table_args__ = (
        Index("ix_agent_feed_items_agent_id_id", "agent_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    agent_id: uuid.UUID
    kind: str = Field(max_length=50, description="web.offer, call.assigned, chat.opened, ...")
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
