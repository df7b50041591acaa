"""Assigning calls to agents: the one place that claims an agent and a call together, and the
sweep that gives waiting calls to agents as they become free (presence ready, wrap-up over)."""

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from crm_common.db import open_session, transaction, utcnow
from crm_common.events.routing import CallAssigned
from crm_common.outbox import add_event
from crm_routing.agents import repository as agents
from crm_routing.agents.models import Agent
from crm_routing.callbacks import service as callbacks
from crm_routing.calls import choice
from crm_routing.calls import repository as calls
from crm_routing.calls.models import Call
from crm_routing.config import RoutingSettings
from crm_routing.db import SOURCE, Outbox
from crm_routing.feed import service as feed

log = logging.getLogger("crm.routing.dispatch")


def candidate(agent: Agent) -> choice.Candidate:
    return choice.Candidate(
        id=str(agent.id),
        skills=agent.skills,
        ready_since=agent.ready_since or agent.created_at,
    )


def waiting_call(call: Call) -> choice.WaitingCall:
    return choice.WaitingCall(
        call_id=call.call_id,
        caller=choice.Caller(tuple(call.preferred_agent_ids), call.category),
        priority=call.priority,
        queued_at=call.queued_at or call.started_at,
    )


def assign(session: Session, call: Call, agent: Agent, now: datetime) -> bool:
    """Give the queued `call` to `agent` if both are still free; publishes routing.call.assigned."""
    # The call first: a transaction that finds it taken moves on to the next call, while the
    # agent's unique current_call_id stays a backstop that no interleaving can get past.
    version = call.version
    if not calls.claim(session, call.call_id, agent.id, now):
        return False
    if not agents.claim(session, agent.id, call.call_id, now):
        calls.unclaim(session, call.call_id, now)
        session.expire(call)
        return False
    # Both rows are what the conditional updates wrote: set that on the loaded objects instead of
    # reading them again (committed values, so nothing is written twice).
    written: dict[str, Any] = {
        "status": "assigned",
        "agent_id": agent.id,
        "assigned_at": now,
        "version": version + 1,
        "updated_at": now,
    }
    for name, value in written.items():
        set_committed_value(call, name, value)
    for name, value in {
        "current_call_id": call.call_id,
        "wrap_up_until": None,
        "updated_at": now,
    }.items():
        set_committed_value(agent, name, value)
    queued_at = call.queued_at or call.started_at
    assigned = CallAssigned(
        call_id=call.call_id,
        agent_id=agent.id,
        extension=agent.extension,
        from_number=call.from_number,
        contact_id=call.contact_id,
        category=call.category,
        queued_seconds=max((now - queued_at).total_seconds(), 0.0),
        assigned_at=now,
    )
    add_event(session, Outbox, assigned, source=SOURCE, subject=call.call_id)
    feed.call_assigned(session, assigned)  # under the agent's row lock, which claim took
    return True


def route(session: Session, call: Call, now: datetime, *, widened: bool = False) -> Agent | None:
    """The agent `call` goes to now (claimed), or None when nobody suitable is free."""
    caller = choice.Caller(tuple(call.preferred_agent_ids), call.category)
    return claim_best(
        session, caller, now, widened=widened, take=lambda agent: assign(session, call, agent, now)
    )


def claim_best(
    session: Session,
    caller: choice.Caller,
    now: datetime,
    *,
    widened: bool,
    take: Callable[[Agent], bool | None],
) -> Agent | None:
    """The best free agent for `caller` that `take` claims: True, claimed; False, the agent was
    taken meanwhile (the next best is tried); None, stop (what was to be given is gone)."""
    for _ in range(3):  # the candidates read may all be taken meanwhile: read again, a few times
        ready = [
            choice.Candidate(id=str(agent_id), skills=skills, ready_since=since)
            for agent_id, skills, since in agents.available(
                session,
                now,
                preferred=caller.preferred,
                category=caller.category,
                anyone=caller.category is None or widened,
            )
        ]
        if not ready:
            return None
        while ready:
            chosen = choice.choose_agent(caller, ready, widened=widened)
            if chosen is None:
                return None
            agent = session.get(Agent, uuid.UUID(chosen.id))
            if agent is not None:
                taken = take(agent)
                if taken is None:
                    return None
                if taken:
                    return agent
            ready.remove(chosen)  # taken meanwhile by another transaction
    return None


def dispatch_waiting(session: Session, settings: RoutingSettings, now: datetime) -> list[str]:
    """Give waiting calls, in queue order, to the free agents they may take; the calls assigned."""
    assigned: list[str] = []
    for call in calls.waiting(session):
        queued_at = call.queued_at or call.started_at
        widened = choice.is_widened(queued_at, now, settings.widen_after_seconds)
        if route(session, call, now, widened=widened) is not None:
            assigned.append(call.call_id)
    return assigned


def wrap_up_until(settings: RoutingSettings, now: datetime) -> datetime:
    return now + timedelta(seconds=settings.wrap_up_seconds)


class Dispatcher:
    """A worker that gives waiting calls to agents whose wrap-up ended or whose targets widened,
    then routes the callbacks that are due (waiting callers get free agents first)."""

    def __init__(self, engine: Engine, settings: RoutingSettings) -> None:
        self.engine, self.settings = engine, settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="routing-dispatch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)

    def run_once(self) -> list[str]:
        with open_session(self.engine, write=False) as reader:
            if not calls.any_waiting(reader):
                return []
        with transaction(self.engine) as session:
            return dispatch_waiting(session, self.settings, utcnow())

    def _run(self) -> None:
        while not self._stop.wait(self.settings.dispatch_poll_seconds):
            try:
                self.run_once()
                callbacks.run_due(self.engine, self.settings)
            except Exception:  # the database away: try again on the next tick
                log.warning("dispatch failed; retrying", exc_info=True)
