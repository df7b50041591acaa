"""Agents (experts) with their skills and presence."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Index
from sqlmodel import Field

from crm_common.db import UTCDateTime, new_id, utcnow
from crm_routing.db import RoutingBase


class Agent(RoutingBase, table=True):
    """`presence` is what the agent chose; while `current_call_id` is set, `wrap_up_until` lies
    ahead or `open_chats` fills `max_concurrent_chats` the agent is busy whatever it says. `current_call_id` is unique: a call never has two
    agents, and the conditional update that sets it is what keeps an agent to one call."""

    __tablename__ = "agents"
    __table_args__ = (
        Index("ix_agents_active_presence_ready_since", "active", "presence", "ready_since"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str = Field(max_length=200)
    extension: str = Field(max_length=300)
    skills: dict[str, int] = Field(default_factory=dict, sa_type=JSON)
    languages: list[str] = Field(default_factory=list, sa_type=JSON)
    max_concurrent_chats: int = Field(default=1)
    team: str | None = Field(default=None, max_length=200)
    presence: str = Field(default="offline", max_length=20)
    ready_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    current_call_id: str | None = Field(default=None, max_length=200, unique=True)
    wrap_up_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    open_chats: int = Field(default=0, description="Chats open with the agent (kept by chats)")
    active: bool = Field(default=True)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
