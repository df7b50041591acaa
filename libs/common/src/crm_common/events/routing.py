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


CallbackOutcome = Literal["connected", "no_answer", "busy", "failed", "agent_unavailable"]


class CallbackScheduled(EventPayload):
    """A callback was requested: the customer is to be called back within the window."""

    event_type = "routing.callback.scheduled.v1"
    topic = TOPIC
    callback_id: uuid.UUID
    contact_id: uuid.UUID | None = None
    customer_number: str = Field(description="E.164")
    category: str | None = None
    window_from: datetime
    window_to: datetime
    next_attempt_at: datetime
    scheduled_at: datetime
    purpose: Literal["service", "marketing"] = Field(
        default="service",
        description="service: the customer asked for it; marketing: an outbound offer (needs the "
        "contact's phone consent)",
    )


class CallbackConnect(EventPayload):
    """The decision for the telephony platform: connect the agent's `extension` with
    `customer_number` now, then report the attempt's outcome to
    `POST /v1/integrations/telephony/callbacks/{callback_id}/attempts/{attempt}`."""

    event_type = "routing.callback.connect.v1"
    topic = TOPIC
    callback_id: uuid.UUID
    attempt: int = Field(description="1 for the first attempt")
    agent_id: uuid.UUID
    extension: str = Field(description="E.164 number or sip: URI")
    customer_number: str = Field(description="E.164")
    contact_id: uuid.UUID | None = None
    category: str | None = None
    note: str
    started_at: datetime
    purpose: Literal["service", "marketing"] = "service"


class CallbackRescheduled(EventPayload):
    """An attempt did not connect; the next one is due at `next_attempt_at`."""

    event_type = "routing.callback.rescheduled.v1"
    topic = TOPIC
    callback_id: uuid.UUID
    attempt: int
    agent_id: uuid.UUID
    outcome: CallbackOutcome
    next_attempt_at: datetime


class CallbackCompleted(EventPayload):
    """An attempt connected the customer with the agent."""

    event_type = "routing.callback.completed.v1"
    topic = TOPIC
    callback_id: uuid.UUID
    attempt: int
    agent_id: uuid.UUID
    contact_id: uuid.UUID | None = None
    customer_number: str
    category: str | None = None
    duration_seconds: float | None = None
    completed_at: datetime


class CallbackFailed(EventPayload):
    """The last allowed attempt did not connect."""

    event_type = "routing.callback.failed.v1"
    topic = TOPIC
    callback_id: uuid.UUID
    attempts: int
    last_outcome: CallbackOutcome
    contact_id: uuid.UUID | None = None
    customer_number: str
    category: str | None = None
    failed_at: datetime


class CallbackExpired(EventPayload):
    """The window passed (or no further attempt fits in it) without a connection."""

    event_type = "routing.callback.expired.v1"
    topic = TOPIC
    callback_id: uuid.UUID
    attempts: int
    contact_id: uuid.UUID | None = None
    customer_number: str
    category: str | None = None
    expired_at: datetime


class CallbackCancelled(EventPayload):
    """The callback was cancelled; an attempt under way (`attempt`) is to be hung up."""

    event_type = "routing.callback.cancelled.v1"
    topic = TOPIC
    callback_id: uuid.UUID
    attempts: int
    attempt_in_progress: int | None = None
    contact_id: uuid.UUID | None = None
    cancelled_at: datetime
    reason: str | None = Field(
        default=None,
        description="null: cancelled on request; consent-withdrawn: a marketing callback whose "
        "contact withdrew their phone consent; contact-erased: the contact was erased",
    )


class ChatOpened(EventPayload):
    """A web visitor accepted the chat offer of their session: a chat with the offered agent."""

    event_type = "routing.chat.opened.v1"
    topic = TOPIC
    chat_id: uuid.UUID
    agent_id: uuid.UUID
    contact_id: uuid.UUID | None = None
    session_id: str
    visitor_id: str
    opened_at: datetime


class ChatLine(BaseModel):
    author: Literal["visitor", "agent"]
    text: str
    sent_at: datetime


class ChatClosed(EventPayload):
    """A chat ended (its agent's place is free again); `transcript` holds its messages from the
    start, bounded (`transcript_truncated` tells when messages were left out)."""

    event_type = "routing.chat.closed.v1"
    topic = TOPIC
    chat_id: uuid.UUID
    agent_id: uuid.UUID
    contact_id: uuid.UUID | None = None
    session_id: str
    visitor_id: str | None = None
    opened_at: datetime
    closed_at: datetime
    closed_by: Literal["visitor", "agent"] | None = Field(
        default=None, description="Who closed it; null when routing did (the contact was erased)"
    )
    message_count: int = 0
    transcript: list[ChatLine] = Field(description="The messages in order, bounded")
    transcript_truncated: bool = False


class ErasureCompleted(EventPayload):
    """The routing service anonymised what it holds about an erased contact (its read models,
    calls, callbacks, chats and web sessions)."""

    event_type = "routing.erasure.completed.v1"
    topic = TOPIC
    request_id: uuid.UUID
    contact_id: uuid.UUID
    completed_at: datetime
    records: int = Field(description="How many records were anonymised")
