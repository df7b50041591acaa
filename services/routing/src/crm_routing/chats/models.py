"""Chats and their messages; a message's integer id is its server-sent event id."""

import uuid
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field

from crm_common.db import UTCDateTime, new_id, utcnow
from crm_routing.db import RoutingBase


class Chat(RoutingBase, table=True):
    """One chat per web session (the session's chat offer, accepted): `session_id` is unique, so
    two concurrent accepts open one chat. An open chat holds a place of its agent's
    `max_concurrent_chats` until it closes."""

    __tablename__ = "chats"
    __table_args__ = (Index("ix_chats_agent_id_status", "agent_id", "status"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    session_id: str = Field(max_length=200, foreign_key="web_sessions.session_id", unique=True)
    agent_id: uuid.UUID
    contact_id: uuid.UUID | None = Field(default=None)
    visitor_id: str = Field(max_length=200)
    status: str = Field(default="open", max_length=20)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: str | None = Field(default=None, max_length=20, description="visitor or agent")
    version: int = Field(default=1)


class ChatMessage(RoutingBase, table=True):
    """Messages of a chat are written under the chat's row lock, so their ids grow in commit
    order within the chat (what a stream polling `id > last` relies on)."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        Index("ix_chat_messages_chat_id_id", "chat_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: uuid.UUID = Field(foreign_key="chats.id")
    author: str = Field(max_length=20, description="visitor or agent")
    text: str = Field(max_length=4000)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
