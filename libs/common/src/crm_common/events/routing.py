"""Payloads published by the routing service on `crm.routing` (key: agent, call or session id).

The telephony platform consumes `routing.call.assigned.v1` (connect the queued call to the agent's
extension); the contacts service may turn `routing.call.ended.v1` into a timeline interaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from crm_common.events.envelope import EventPayload

TOPIC = "crm.routing"

Presence = Literal["ready", "busy", "away", "offline"]


class AgentSnapshot(BaseModel):
    id: uuid.UUID
    name: str
    extension: str = Field(description="E.164 number or sip: URI")
    skills: dict[str, int] = Field(description="Category → level 1-5")
    languages: list[str] = []
    max_concurrent_chats: int
    team: str | None = None
    presence: Presence
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class AgentCreated(EventPayload):
    event_type = "routing.agent.created.v1"
    topic = TOPIC
    agent: AgentSnapshot


class AgentUpdated(EventPayload):
    event_type = "routing.agent.updated.v1"
    topic = TOPIC
    agent: AgentSnapshot
    changed_fields: list[str]


class AgentDeactivated(EventPayload):
    event_type = "routing.agent.deactivated.v1"
    topic = TOPIC
    agent: AgentSnapshot


class AgentPresenceChanged(EventPayload):
    event_type = "routing.agent.presence_changed.v1"
    topic = TOPIC
    agent_id: uuid.UUID
    from_presence: Presence
    to_presence: Presence
    changed_at: datetime


class CallAssigned(EventPayload):
    """A call goes to an agent: connect `from_number` to `extension` (queued calls once an agent is
    free; ringing calls are also told in the answer to the ringing event)."""

    event_type = "routing.call.assigned.v1"
    topic = TOPIC
    call_id: str
    agent_id: uuid.UUID
    extension: str
    from_number: str | None = None
    contact_id: uuid.UUID | None = None
    category: str | None = None
    queued_seconds: float = Field(description="Time spent in the queue; 0 when routed at once")
    assigned_at: datetime


class CallEnded(EventPayload):
    """An answered call finished."""

    event_type = "routing.call.ended.v1"
    topic = TOPIC
    call_id: str
    agent_id: uuid.UUID
    contact_id: uuid.UUID | None = None
    from_number: str | None = None
    category: str | None = None
    started_at: datetime = Field(description="When the call rang")
    answered_at: datetime
    ended_at: datetime
    wait_seconds: float = Field(description="From ringing to answer")
    duration_seconds: float = Field(description="From answer to end")


class CallAbandoned(EventPayload):
    """The caller hung up before an agent answered."""

    event_type = "routing.call.abandoned.v1"
    topic = TOPIC
    call_id: str
    contact_id: uuid.UUID | None = None
    from_number: str | None = None
    category: str | None = None
    agent_id: uuid.UUID | None = Field(default=None, description="The agent it was offered to")
    started_at: datetime
    abandoned_at: datetime
    wait_seconds: float


class WebPage(BaseModel):
    url: str
    category: str | None = None
    title: str | None = None
    occurred_at: datetime


class WebOffer(BaseModel):
    type: Literal["chat", "callback"]
    agent_id: uuid.UUID
    agent_name: str


class WebSessionEngaged(EventPayload):
    """A web session met an engagement rule (once per session); `offer` is what the website was
    told (null: nobody suitable was free or the call queue was long). The assigned agent's feed
    shows `pages`."""

    event_type = "routing.web_session.engaged.v1"
    topic = TOPIC
    session_id: str
    visitor_id: str
    contact_id: uuid.UUID | None = Field(
        default=None, description="The signed-in contact, or the one the device was seen with"
    )
    rule: str = Field(description="The engagement rule's name ('default': the page-view count)")
    category: str | None = Field(default=None, description="The category viewed most often")
    page_views: int
    pages: list[WebPage] = Field(description="The session's pages in order (the last 100)")
    offer: WebOffer | None = None
    engaged_at: datetime


class EngagementStep(BaseModel):
    url: str | None = Field(default=None, description="A glob on the URL path")
    category: str | None = None


class EngagementRuleSnapshot(BaseModel):
    id: uuid.UUID
    name: str
    kind: Literal["depth", "pages", "time", "sequence"]
    threshold: int | None = None
    steps: list[EngagementStep] = []
    position: int
    active: bool
    version: int
    updated_at: datetime


class EngagementRuleChanged(EventPayload):
    """An engagement rule was created, changed or deleted (`rule` is its state before deletion)."""

    event_type = "routing.engagement_rule.changed.v1"
    topic = TOPIC
    action: Literal["created", "updated", "deleted"]
    rule: EngagementRuleSnapshot
