"""Which stage rules fire when an opportunity enters a stage, and the tasks they request.

Pure functions without I/O: the service loads rules and facts and records what fired.
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from crm_common.events.orders import RequestedTask

OWNER = "owner"


@dataclass(frozen=True)
class TaskAction:
    title: str
    kind: str
    assignee: str  # "owner" or a user id
    due_in_hours: int


@dataclass(frozen=True)
class Rule:
    id: uuid.UUID
    stage: str
    task: TaskAction
    pipeline_id: uuid.UUID | None = None
    amount_gt: Decimal | None = None
    currency: str | None = None
    category: str | None = None


@dataclass(frozen=True)
class StageEntered:
    """The facts a rule is matched against: the opportunity as it enters `stage`."""

    pipeline_id: uuid.UUID
    stage: str
    contact_id: uuid.UUID
    owner_id: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    categories: frozenset[str] = frozenset()


def matches(rule: Rule, facts: StageEntered) -> bool:
    """Every condition the rule sets holds; an amount condition never holds without an amount."""
    if rule.stage != facts.stage:
        return False
    if rule.pipeline_id is not None and rule.pipeline_id != facts.pipeline_id:
        return False
    if rule.currency is not None and rule.currency != facts.currency:
        return False
    if rule.amount_gt is not None and (facts.amount is None or facts.amount <= rule.amount_gt):
        return False
    return rule.category is None or rule.category in facts.categories


def matching(rules: Sequence[Rule], facts: StageEntered) -> list[Rule]:
    """The rules that fire, in id (creation) order."""
    return sorted((r for r in rules if matches(r, facts)), key=lambda r: r.id)


def resolve_assignee(assignee: str, owner_id: str | None) -> str | None:
    """ "owner" is the opportunity's owner (None when it has none); anything else a user id."""
    return owner_id if assignee == OWNER else assignee


def requested_task(
    rule: Rule, facts: StageEntered, now: datetime, new_id: Callable[[], uuid.UUID]
) -> RequestedTask:
    return RequestedTask(
        id=new_id(),
        rule_id=rule.id,
        title=rule.task.title,
        kind=rule.task.kind,
        contact_id=facts.contact_id,
        assignee_id=resolve_assignee(rule.task.assignee, facts.owner_id),
        due_at=now + timedelta(hours=rule.task.due_in_hours),
    )


def requested_tasks(
    rules: Sequence[Rule], facts: StageEntered, now: datetime, new_id: Callable[[], uuid.UUID]
) -> list[RequestedTask]:
    return [requested_task(r, facts, now, new_id) for r in matching(rules, facts)]
