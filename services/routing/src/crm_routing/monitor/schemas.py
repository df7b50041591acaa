"""API schemas of the contact-centre monitor."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

AgentStatus = Literal["ready", "busy", "on_call", "wrap_up", "away", "offline"]
AGENT_STATUSES: tuple[AgentStatus, ...] = (
    "ready",
    "busy",
    "on_call",
    "wrap_up",
    "away",
    "offline",
)


class MonitorAgent(BaseModel):
    id: uuid.UUID
    name: str
    team: str | None
    since: datetime = Field(
        description="In this status since: ready since, the call's assignment, else the agent's "
        "last change"
    )
    call_id: str | None = Field(description="The call the agent is on (on_call)")
    wrap_up_until: datetime | None = Field(description="When the wrap-up ends (wrap_up)")


class AgentGroup(BaseModel):
    count: int
    agents: list[MonitorAgent] = Field(
        description="Longest in this status first (at most 500; `count` counts them all)"
    )


class AgentsByStatus(BaseModel):
    """Active agents by effective status: on a call or in wrap-up whatever their presence says,
    else the presence they chose."""

    ready: AgentGroup
    busy: AgentGroup
    on_call: AgentGroup
    wrap_up: AgentGroup
    away: AgentGroup
    offline: AgentGroup


class WaitingCall(BaseModel):
    call_id: str
    category: str | None
    priority: int
    position: int = Field(description="1 for the call that is next")
    queued_at: datetime
    waited_seconds: float = Field(description="In the queue, as of `as_of`")


class WaitingCalls(BaseModel):
    count: int
    longest_wait_seconds: float | None = Field(description="null when no call waits")
    calls: list[WaitingCall] = Field(
        description="In queue order (at most 500; `count` counts them all)"
    )


class ActiveChats(BaseModel):
    count: int | None = Field(description="Chats under way; null while this service keeps no chats")


class CallbacksDue(BaseModel):
    count: int | None = Field(
        description="Callbacks whose next attempt is due and not yet started; null while this "
        "service keeps no callbacks"
    )
    oldest_due_at: datetime | None = Field(description="The longest-due one's time")


class Monitor(BaseModel):
    as_of: datetime
    agents: AgentsByStatus
    waiting_calls: WaitingCalls
    active_chats: ActiveChats
    callbacks_due: CallbacksDue
