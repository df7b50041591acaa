"""Rules of agents: valid extensions, versions, presence (busy on a call or in wrap-up), events."""

import uuid
from datetime import datetime
from typing import cast

from sqlmodel import Session

from crm_common.db import utcnow
from crm_common.errors import FieldError
from crm_common.events.routing import (
    AgentCreated,
    AgentDeactivated,
    AgentPresenceChanged,
    AgentSnapshot,
    AgentUpdated,
)
from crm_common.http import check_if_match
from crm_common.outbox import add_event
from crm_common.pagination import Paged
from crm_routing.agents import repository
from crm_routing.agents.errors import AgentNotFound, AgentOnCall, InvalidAgent
from crm_routing.agents.models import Agent
from crm_routing.agents.schemas import AgentCreate, AgentRead, AgentUpdate, Presence
from crm_routing.calls import dispatch
from crm_routing.config import RoutingSettings
from crm_routing.db import SOURCE, Outbox
from crm_routing.validation import extension


def at_chat_capacity(open_chats: int, max_concurrent_chats: int) -> bool:
    return open_chats > 0 and open_chats >= max_concurrent_chats


def status(agent: Agent, now: datetime) -> Presence:
    """Busy while on a call, in wrap-up or with chats up to its capacity, else what the agent
    chose."""
    if (
        agent.current_call_id is not None
        or (agent.wrap_up_until is not None and agent.wrap_up_until > now)
        or at_chat_capacity(agent.open_chats, agent.max_concurrent_chats)
    ):
        return "busy"
    return cast(Presence, agent.presence)


def to_read(agent: Agent) -> AgentRead:
    return AgentRead(
        id=agent.id,
        name=agent.name,
        extension=agent.extension,
        skills=agent.skills,
        languages=agent.languages,
        max_concurrent_chats=agent.max_concurrent_chats,
        team=agent.team,
        presence=agent.presence,
        status=status(agent, utcnow()),
        ready_since=agent.ready_since,
        current_call_id=agent.current_call_id,
        wrap_up_until=agent.wrap_up_until,
        version=agent.version,
        created_at=agent.created_at,
        updated_at=agent.updated_at,
    )


def snapshot(agent: Agent) -> AgentSnapshot:
    return AgentSnapshot(
        id=agent.id,
        name=agent.name,
        extension=agent.extension,
        skills=agent.skills,
        languages=agent.languages,
        max_concurrent_chats=agent.max_concurrent_chats,
        team=agent.team,
        presence=agent.presence,
        active=agent.active,
        version=agent.version,
        created_at=agent.created_at,
        updated_at=agent.updated_at,
    )


def _extension(raw: str, region: str) -> str:
    try:
        return extension(raw, region)
    except ValueError as exc:
        raise InvalidAgent(
            [FieldError(field="body.extension", message=str(exc), code="invalid_extension")]
        ) from exc


def _load(session: Session, agent_id: uuid.UUID) -> Agent:
    agent = repository.get(session, agent_id, for_update=True)
    if agent is None:
        raise AgentNotFound(agent_id)
    return agent


def create_agent(session: Session, data: AgentCreate, settings: RoutingSettings) -> AgentRead:
    now = utcnow()
    agent = Agent(
        name=data.name,
        extension=_extension(data.extension, settings.default_region),
        skills=dict(data.skills),
        languages=list(data.languages),
        max_concurrent_chats=data.max_concurrent_chats,
        team=data.team,
        created_at=now,
        updated_at=now,
    )
    session.add(agent)
    session.flush()
    add_event(
        session, Outbox, AgentCreated(agent=snapshot(agent)), source=SOURCE, subject=str(agent.id)
    )
    return to_read(agent)


def get_agent(session: Session, agent_id: uuid.UUID) -> AgentRead:
    agent = repository.get(session, agent_id)
    if agent is None:
        raise AgentNotFound(agent_id)
    return to_read(agent)


def list_agents(
    session: Session, team: str | None, presence: str | None, limit: int, cursor: str | None
) -> Paged[AgentRead]:
    rows, next_cursor = repository.list_page(session, team, presence, limit, cursor)
    return [to_read(a) for a in rows], next_cursor


def update_agent(
    session: Session,
    agent_id: uuid.UUID,
    data: AgentUpdate,
    if_match: str | None,
    settings: RoutingSettings,
) -> AgentRead:
    agent = _load(session, agent_id)
    check_if_match(if_match, agent.version)
    changes = data.model_dump(exclude_unset=True)
    if "extension" in changes:
        changes["extension"] = _extension(changes["extension"], settings.default_region)
    changed = [field for field, value in changes.items() if getattr(agent, field) != value]
    if not changed:
        return to_read(agent)
    for field in changed:
        setattr(agent, field, changes[field])
    agent.version += 1
    agent.updated_at = utcnow()
    session.add(agent)
    add_event(
        session,
        Outbox,
        AgentUpdated(agent=snapshot(agent), changed_fields=changed),
        source=SOURCE,
        subject=str(agent.id),
    )
    if "skills" in changed:
        dispatch.dispatch_waiting(session, settings, agent.updated_at)
    session.refresh(agent)
    return to_read(agent)


def deactivate_agent(session: Session, agent_id: uuid.UUID, if_match: str | None) -> None:
    """The agent leaves routing (kept for the history of its calls); 409 while on a call."""
    agent = _load(session, agent_id)
    check_if_match(if_match, agent.version)
    if agent.current_call_id is not None:
        raise AgentOnCall(agent.id, agent.current_call_id)
    agent.active, agent.presence, agent.ready_since = False, "offline", None
    agent.version += 1
    agent.updated_at = utcnow()
    session.add(agent)
    add_event(
        session,
        Outbox,
        AgentDeactivated(agent=snapshot(agent)),
        source=SOURCE,
        subject=str(agent.id),
    )


def set_presence(
    session: Session,
    agent_id: uuid.UUID,
    presence: Presence,
    if_match: str | None,
    settings: RoutingSettings,
) -> AgentRead:
    """Ready: waiting calls the agent may take are assigned at once. Going away or offline with a
    call assigned but not answered puts that call back at the head of its place in the queue."""
    from crm_routing.calls import repository as calls

    agent = _load(session, agent_id)
    check_if_match(if_match, agent.version)
    previous = agent.presence
    if previous == presence:
        return to_read(agent)
    now = utcnow()
    agent.presence = presence
    if presence == "ready":
        agent.ready_since = max(now, agent.wrap_up_until or now)
    agent.version += 1
    agent.updated_at = now
    session.add(agent)
    if presence in ("away", "offline") and agent.current_call_id is not None:
        call = calls.get(session, agent.current_call_id, for_update=True)
        if call is not None and call.status == "assigned":
            call.status, call.agent_id, call.assigned_at = "queued", None, None
            call.version, call.updated_at = call.version + 1, now
            session.add(call)
            agent.current_call_id = None
    session.flush()
    add_event(
        session,
        Outbox,
        AgentPresenceChanged(
            agent_id=agent.id,
            from_presence=previous,
            to_presence=presence,
            changed_at=now,
        ),
        source=SOURCE,
        subject=str(agent.id),
    )
    dispatch.dispatch_waiting(session, settings, now)
    session.refresh(agent)
    return to_read(agent)
