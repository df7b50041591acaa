"""What the agents' feed tells: the data of its server-sent events."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from crm_common.money import Currency, Money

FeedKind = Literal["web.offer", "call.assigned", "chat.opened", "chat.message", "chat.closed"]


class AmountSummary(BaseModel):
    amount: Money
    currency: Currency


class ContactSummary(BaseModel):
    """What routing's read models know about the visitor's or caller's contact."""

    id: uuid.UUID
    name: str | None
    owner_id: str | None
    lifecycle_stage: str
    total_spent: list[AmountSummary]
    categories_bought: dict[str, int]
    open_orders: int
    open_opportunities: int


class FeedPage(BaseModel):
    url: str
    category: str | None
    title: str | None
    occurred_at: datetime


class WebOfferItem(BaseModel):
    """`web.offer`: an engaged web session was offered to the agent (a chat, or a callback)."""

    offer_type: Literal["chat", "callback"]
    session_id: str
    visitor_id: str
    category: str | None
    rule: str | None
    page_views: int
    pages: list[FeedPage] = Field(description="The session's pages in order (the last 100)")
    contact: ContactSummary | None = Field(description="Null when the visitor is not known")
    offered_at: datetime


class CallAssignedItem(BaseModel):
    """`call.assigned`: a call was given to the agent."""

    call_id: str
    from_number: str | None
    category: str | None
    contact_id: uuid.UUID | None
    contact_name: str | None
    screen_pop_url: str = Field(description="Who is calling and their history")
    queued_seconds: float
    assigned_at: datetime
