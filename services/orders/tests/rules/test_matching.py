"""The stage-rule matcher, as pure functions: no database."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from crm_orders.rules.matching import (
    Rule,
    StageEntered,
    TaskAction,
    matches,
    matching,
    requested_tasks,
    resolve_assignee,
)

PIPELINE = uuid.UUID("00000000-0000-7000-8000-000000000001")
OTHER_PIPELINE = uuid.UUID("00000000-0000-7000-8000-000000000002")
CONTACT = uuid.UUID("01900000-0000-7000-8000-00000000000c")
NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
REVIEW = TaskAction(title="Review", kind="todo", assignee="owner", due_in_hours=24)


def rule(number: int = 1, **conditions: object) -> Rule:
    fields: dict[str, object] = {"stage": "rfq_received", "task": REVIEW, **conditions}
    return Rule(id=uuid.UUID(int=number), **fields)  # type: ignore[arg-type]


def facts(**overrides: object) -> StageEntered:
    fields: dict[str, object] = {
        "pipeline_id": PIPELINE,
        "stage": "rfq_received",
        "contact_id": CONTACT,
        "owner_id": "agent-7",
        "amount": Decimal("60000.00"),
        "currency": "EUR",
        "categories": frozenset({"lighting"}),
        **overrides,
    }
    return StageEntered(**fields)  # type: ignore[arg-type]


def test_stage_must_be_the_one_entered() -> None:
    assert matches(rule(), facts())
    assert not matches(rule(), facts(stage="qualification"))


def test_amount_is_strictly_greater_and_needs_an_amount() -> None:
    threshold = rule(amount_gt=Decimal("50000"))
    assert matches(threshold, facts(amount=Decimal("50000.01")))
    assert not matches(threshold, facts(amount=Decimal("50000.00")))
    assert not matches(threshold, facts(amount=Decimal("49999.99")))
    assert not matches(threshold, facts(amount=None, currency=None))


def test_currency_pipeline_and_category_conditions() -> None:
    assert matches(rule(currency="EUR"), facts())
    assert not matches(rule(currency="USD"), facts())
    assert matches(rule(pipeline_id=PIPELINE), facts())
    assert not matches(rule(pipeline_id=OTHER_PIPELINE), facts())
    assert matches(rule(category="lighting"), facts())
    assert not matches(rule(category="tours"), facts())
    assert not matches(rule(category="lighting"), facts(categories=frozenset()))


def test_every_condition_must_hold() -> None:
    strict = rule(amount_gt=Decimal("50000"), currency="EUR", category="lighting")
    assert matches(strict, facts())
    assert not matches(strict, facts(currency="USD"))
    assert not matches(strict, facts(amount=Decimal("10")))


def test_matching_keeps_rule_order_and_drops_the_rest() -> None:
    second, first, other = rule(2), rule(1), rule(3, stage="won")
    assert matching([second, other, first], facts()) == [first, second]


def test_assignee_is_the_owner_or_a_named_user() -> None:
    assert resolve_assignee("owner", "agent-7") == "agent-7"
    assert resolve_assignee("owner", None) is None
    assert resolve_assignee("manager-1", "agent-7") == "manager-1"


def test_requested_tasks_carry_fresh_ids_due_times_and_the_contact() -> None:
    ids = iter([uuid.UUID(int=100), uuid.UUID(int=101)])
    named = rule(2, task=TaskAction(title="Call", kind="call", assignee="boss", due_in_hours=2))
    tasks = requested_tasks([named, rule(1)], facts(), NOW, lambda: next(ids))
    assert [
        (t.id, t.rule_id, t.title, t.kind, t.assignee_id, t.due_at, t.contact_id) for t in tasks
    ] == [
        (
            uuid.UUID(int=100),
            uuid.UUID(int=1),
            "Review",
            "todo",
            "agent-7",
            datetime(2030, 1, 2, 12, 0, tzinfo=UTC),
            CONTACT,
        ),
        (
            uuid.UUID(int=101),
            uuid.UUID(int=2),
            "Call",
            "call",
            "boss",
            datetime(2030, 1, 1, 14, 0, tzinfo=UTC),
            CONTACT,
        ),
    ]


def test_no_rules_no_tasks() -> None:
    assert requested_tasks([], facts(), NOW, lambda: uuid.UUID(int=1)) == []
