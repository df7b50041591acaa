"""The monitor: a snapshot of agents, the queue, chats and callbacks, and a stream of its changes."""

import hashlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session
from starlette.requests import Request

from crm_common.db import transaction, utcnow
from crm_common.sse import SseEvent, sse_stream
from crm_routing.agents.service import at_chat_capacity
from crm_routing.config import RoutingSettings
from crm_routing.monitor import repository
from crm_routing.monitor.repository import AgentRow
from crm_routing.monitor.schemas import (
    AGENT_STATUSES,
    ActiveChats,
    AgentGroup,
    AgentsByStatus,
    AgentStatus,
    CallbacksDue,
    Monitor,
    MonitorAgent,
    WaitingCall,
    WaitingCalls,
)

SNAPSHOT_EVENT = "snapshot"


def effective_status(agent: AgentRow, now: datetime) -> AgentStatus:
    """On a call while it has one, in wrap-up while that lies ahead, else its chosen presence
    (the agents module's `busy`, told apart)."""
    if agent.current_call_id is not None:
        return "on_call"
    if agent.wrap_up_until is not None and agent.wrap_up_until > now:
        return "wrap_up"
    if at_chat_capacity(agent.open_chats, agent.max_concurrent_chats):
        return "busy"
    presence: AgentStatus = agent.presence  # type: ignore[assignment]  # ready|busy|away|offline
    return presence


def _since(agent: AgentRow, status: AgentStatus) -> datetime:
    if status == "on_call" and agent.call_assigned_at is not None:
        return agent.call_assigned_at
    if status == "ready" and agent.ready_since is not None:
        return agent.ready_since
    return agent.updated_at


def _agents(rows: list[AgentRow], now: datetime) -> AgentsByStatus:
    grouped: dict[AgentStatus, list[MonitorAgent]] = {status: [] for status in AGENT_STATUSES}
    for row in rows:
        status = effective_status(row, now)
        grouped.setdefault(status, []).append(
            MonitorAgent(
                id=row.id,
                name=row.name,
                team=row.team,
                since=_since(row, status),
                call_id=row.current_call_id,
                wrap_up_until=row.wrap_up_until if status == "wrap_up" else None,
            )
        )
    groups = {
        status: AgentGroup(
            count=len(agents),
            agents=sorted(agents, key=lambda a: (a.since, a.name, a.id))[: repository.MAX_LISTED],
        )
        for status, agents in grouped.items()
    }
    return AgentsByStatus(**groups)


def _waiting(session: Session, now: datetime) -> WaitingCalls:
    calls = []
    for position, call in enumerate(repository.waiting_calls(session), start=1):
        queued_at = call.queued_at or call.started_at
        calls.append(
            WaitingCall(
                call_id=call.call_id,
                category=call.category,
                priority=call.priority,
                position=position,
                queued_at=queued_at,
                waited_seconds=round(max((now - queued_at).total_seconds(), 0.0), 3),
            )
        )
    count = repository.waiting_count(session) if len(calls) == repository.MAX_LISTED else len(calls)
    longest = max((c.waited_seconds for c in calls), default=None)
    return WaitingCalls(count=count, longest_wait_seconds=longest, calls=calls)


def snapshot(session: Session, now: datetime | None = None) -> Monitor:
    """Agents by effective status, waiting calls in queue order, chats and due callbacks."""
    now = now or utcnow()
    due = repository.callbacks_due(session, now)
    return Monitor(
        as_of=now,
        agents=_agents(repository.active_agents(session), now),
        waiting_calls=_waiting(session, now),
        active_chats=ActiveChats(count=repository.active_chats(session)),
        callbacks_due=CallbacksDue(
            count=None if due is None else due[0], oldest_due_at=None if due is None else due[1]
        ),
    )


def fingerprint(monitor: Monitor) -> str:
    """A hash of what the snapshot says, leaving out what only the clock moves (`as_of`, wait
    times): a stream sends a new snapshot when agents, the queue, chats or callbacks change."""
    data: dict[str, Any] = monitor.model_dump(mode="json", exclude={"as_of"})
    for call in data["waiting_calls"]["calls"]:
        del call["waited_seconds"]
    data["waiting_calls"]["longest_wait_seconds"] = None
    return hashlib.sha256(repr(data).encode()).hexdigest()


def stream(request: Request, engine: Engine, settings: RoutingSettings) -> AsyncIterator[str]:
    """SSE frames: a `snapshot` at once, then one whenever the snapshot changes (looked for every
    `monitor_poll_seconds`), keepalive comments in between, until the client disconnects. Each
    connection starts with a full snapshot, so a client that reconnects needs nothing resumed
    (its frame ids count that connection's snapshots)."""
    last: list[str] = []  # the fingerprint sent last
    sent = 0

    def changed(_after: int) -> list[SseEvent]:
        nonlocal sent
        with transaction(engine, write=False) as session:
            current = snapshot(session)
        digest = fingerprint(current)
        if last and last[0] == digest:
            return []
        last[:] = [digest]
        sent += 1
        return [(sent, SNAPSHOT_EVENT, current.model_dump(mode="json"))]

    return sse_stream(
        request,
        changed,
        0,
        poll_seconds=settings.monitor_poll_seconds,
        keepalive_seconds=settings.monitor_keepalive_seconds,
        max_seconds=settings.sse_max_seconds,
    )
