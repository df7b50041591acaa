"""The routing decision, without I/O: which ready agent takes a ringing call, which waiting call a
newly free agent takes, a caller's priority, and the category of their order history.

A caller's targets widen while they wait:
1. the agents who know them (the contact's owner, then the last agent who handled them),
2. the experts of the call's category (the highest skill level first),
3. anyone.
A ringing call goes to the first ready agent along tiers 1 and 2 (or anyone when the call has no
category); otherwise it queues. A queued call takes the same agents, and after waiting
`widen_after` seconds any ready agent.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class Candidate:
    """A ready agent: no call, no wrap-up, presence ready."""

    id: str
    skills: Mapping[str, int]
    ready_since: datetime


@dataclass(frozen=True)
class Caller:
    preferred: tuple[str, ...] = ()
    category: str | None = None


@dataclass(frozen=True)
class WaitingCall:
    call_id: str
    caller: Caller
    priority: int
    queued_at: datetime


@dataclass(frozen=True)
class PriorityRules:
    lifecycle: Mapping[str, int] = field(default_factory=dict)
    vip_total_spent: Decimal = Decimal("10000")
    vip_priority: int = 50


def _idle_longest(candidates: Sequence[Candidate]) -> Candidate:
    return min(candidates, key=lambda c: (c.ready_since, c.id))


def _best_expert(caller: Caller, ready: Sequence[Candidate]) -> Candidate | None:
    if caller.category is None:
        return None
    experts = [c for c in ready if c.skills.get(caller.category, 0) >= 1]
    if not experts:
        return None
    top = max(c.skills[caller.category] for c in experts)
    return _idle_longest([c for c in experts if c.skills[caller.category] == top])


def choose_agent(
    caller: Caller, ready: Sequence[Candidate], *, widened: bool = False
) -> Candidate | None:
    """The agent a call goes to now, or None (queue): someone who knows the caller, else the best
    expert of the category (ties to the one idle longest), else (no category, or `widened`) the
    one idle longest."""
    if not ready:
        return None
    by_id = {c.id: c for c in ready}
    for agent_id in caller.preferred:
        if agent_id in by_id:
            return by_id[agent_id]
    expert = _best_expert(caller, ready)
    if expert is not None:
        return expert
    if caller.category is None or widened:
        return _idle_longest(ready)
    return None


def is_widened(queued_at: datetime, now: datetime, widen_after: float) -> bool:
    return (now - queued_at).total_seconds() >= widen_after


def may_take(agent: Candidate, call: WaitingCall, now: datetime, widen_after: float) -> bool:
    """Whether `agent` may take the waiting `call` now."""
    widened = is_widened(call.queued_at, now, widen_after)
    return choose_agent(call.caller, [agent], widened=widened) is not None


def queue_order(call: WaitingCall) -> tuple[int, datetime, str]:
    """Higher priority first, then the longest waiting."""
    return (-call.priority, call.queued_at, call.call_id)


def choose_call(
    agent: Candidate, waiting: Sequence[WaitingCall], now: datetime, widen_after: float
) -> WaitingCall | None:
    """The waiting call a free `agent` takes: the first one in queue order that it may take."""
    for call in sorted(waiting, key=queue_order):
        if may_take(agent, call, now, widen_after):
            return call
    return None


def priority(lifecycle_stage: str | None, total_spent: Decimal, rules: PriorityRules) -> int:
    """A caller's place in the queue: lifecycle weight plus a VIP bonus for big spenders."""
    score = rules.lifecycle.get(lifecycle_stage, 0) if lifecycle_stage else 0
    if total_spent >= rules.vip_total_spent:
        score += rules.vip_priority
    return score


def history_category(categories_bought: Mapping[str, int]) -> str | None:
    """The category a caller bought most often (ties by name), or None."""
    if not categories_bought:
        return None
    return min(categories_bought, key=lambda name: (-categories_bought[name], name))


def expected_wait_seconds(position: int, agents_on_shift: int, handle_seconds: int) -> int:
    """A rough wait: the calls ahead and this one, shared by the agents on shift."""
    return (position * handle_seconds) // max(agents_on_shift, 1)
