"""Rules of stage rules: conditions that name a real stage, and firing once per stage entry."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from crm_common.db import new_id, utcnow
from crm_common.errors import FieldError
from crm_common.events.orders import RequestedTask
from crm_common.http import check_if_match
from crm_common.pagination import Paged
from crm_orders.pipelines import repository as pipelines
from crm_orders.pipelines.stages import StageList
from crm_orders.rules import repository
from crm_orders.rules.errors import InvalidRule, RuleNotFound
from crm_orders.rules.matching import Rule, StageEntered, TaskAction, requested_tasks
from crm_orders.rules.models import PipelineRule, RuleTrigger
from crm_orders.rules.schemas import (
    CreateTask,
    RuleCreate,
    RuleRead,
    RuleThen,
    RuleUpdate,
    RuleWhen,
    RuleWhenRead,
)
from crm_orders.sales import money_text


def to_read(rule: PipelineRule) -> RuleRead:
    return RuleRead(
        id=rule.id,
        name=rule.name,
        when=RuleWhenRead(
            stage=rule.stage,
            pipeline_id=rule.pipeline_id,
            amount_gt=None if rule.amount_gt is None else Decimal(rule.amount_gt),
            currency=rule.currency,
            category=rule.category,
        ),
        then=RuleThen(
            create_task=CreateTask(
                title=rule.task_title,
                kind=rule.task_kind,
                assignee=rule.task_assignee,
                due_in_hours=rule.task_due_in_hours,
            )
        ),
        active=rule.active,
        version=rule.version,
        created_at=rule.created_at,
        updated_at=rule.updated_at,
    )


def _columns(when: RuleWhen, then: RuleThen) -> dict[str, object]:
    task = then.create_task
    return {
        "stage": when.stage,
        "pipeline_id": when.pipeline_id,
        "amount_gt": None if when.amount_gt is None else money_text(when.amount_gt),
        "currency": when.currency,
        "category": when.category,
        "task_title": task.title,
        "task_kind": task.kind,
        "task_assignee": task.assignee,
        "task_due_in_hours": task.due_in_hours,
    }


def _when_errors(session: Session, when: RuleWhen) -> list[FieldError]:
    """The stage must exist: in the named pipeline, or else in some pipeline."""
    if when.pipeline_id is not None:
        pipeline = pipelines.get(session, when.pipeline_id)
        if pipeline is None:
            return [
                FieldError(
                    field="body.when.pipeline_id",
                    message="no such pipeline",
                    code="unknown_pipeline",
                )
            ]
        if StageList(pipeline.stages).get(when.stage) is None:
            return [
                FieldError(
                    field="body.when.stage",
                    message=f"the pipeline has no stage {when.stage!r}",
                    code="unknown_stage",
                )
            ]
        return []
    if not any(StageList(p.stages).get(when.stage) for p in pipelines.all_pipelines(session)):
        return [
            FieldError(
                field="body.when.stage",
                message=f"no pipeline has a stage {when.stage!r}",
                code="unknown_stage",
            )
        ]
    return []


def create_rule(session: Session, data: RuleCreate) -> RuleRead:
    errors = _when_errors(session, data.when)
    if errors:
        raise InvalidRule(errors)
    now = utcnow()
    rule = PipelineRule(
        name=data.name,
        active=data.active,
        created_at=now,
        updated_at=now,
        **_columns(data.when, data.then),  # type: ignore[arg-type]
    )
    session.add(rule)
    return to_read(rule)


def require(session: Session, rule_id: uuid.UUID, *, for_update: bool = False) -> PipelineRule:
    rule = repository.get(session, rule_id, for_update=for_update)
    if rule is None:
        raise RuleNotFound(rule_id)
    return rule


def get_rule(session: Session, rule_id: uuid.UUID) -> RuleRead:
    return to_read(require(session, rule_id))


def list_rules(
    session: Session, stage: str | None, active: bool | None, limit: int, cursor: str | None
) -> Paged[RuleRead]:
    rows, next_cursor = repository.list_page(session, stage, active, limit, cursor)
    return [to_read(r) for r in rows], next_cursor


def update_rule(
    session: Session, rule_id: uuid.UUID, data: RuleUpdate, if_match: str | None
) -> RuleRead:
    rule = require(session, rule_id, for_update=True)
    check_if_match(if_match, rule.version)
    current = to_read(rule)
    when = data.when or RuleWhen.model_validate(current.when.model_dump())
    then = data.then or current.then
    if data.when is not None:
        errors = _when_errors(session, when)
        if errors:
            raise InvalidRule(errors)
    changes: dict[str, object] = dict(_columns(when, then))
    if data.name is not None:
        changes["name"] = data.name
    if data.active is not None:
        changes["active"] = data.active
    changed = [field for field, value in changes.items() if getattr(rule, field) != value]
    if not changed:
        return current
    for field in changed:
        setattr(rule, field, changes[field])
    rule.version += 1
    rule.updated_at = utcnow()
    return to_read(rule)


def delete_rule(session: Session, rule_id: uuid.UUID, if_match: str | None) -> None:
    """Delete a rule; what it triggered before stays recorded."""
    rule = require(session, rule_id, for_update=True)
    check_if_match(if_match, rule.version)
    repository.delete(session, rule)


# --- firing ----------------------------------------------------------------------------------------


def _as_rule(row: PipelineRule) -> Rule:
    return Rule(
        id=row.id,
        stage=row.stage,
        pipeline_id=row.pipeline_id,
        amount_gt=None if row.amount_gt is None else Decimal(row.amount_gt),
        currency=row.currency,
        category=row.category,
        task=TaskAction(
            title=row.task_title,
            kind=row.task_kind,
            assignee=row.task_assignee,
            due_in_hours=row.task_due_in_hours,
        ),
    )


def fire(
    session: Session,
    facts: StageEntered,
    opportunity_id: uuid.UUID,
    stage_entry_id: uuid.UUID,
    now: datetime,
) -> list[RequestedTask]:
    """Record the rules that fire on this stage entry and return the tasks they request."""
    rules = [
        _as_rule(r) for r in repository.active_for_stage(session, facts.pipeline_id, facts.stage)
    ]
    tasks = requested_tasks(rules, facts, now, new_id)
    repository.insert_triggers(
        session,
        [
            RuleTrigger(
                id=task.id,
                rule_id=task.rule_id,
                opportunity_id=opportunity_id,
                stage_entry_id=stage_entry_id,
                title=task.title,
                kind=task.kind,
                assignee_id=task.assignee_id,
                due_at=task.due_at or now,
                created_at=now,
            )
            for task in tasks
        ],
    )
    return tasks


def triggers_by_entry(
    session: Session, entry_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[RuleTrigger]]:
    found: dict[uuid.UUID, list[RuleTrigger]] = {i: [] for i in entry_ids}
    for trigger in repository.triggers_of_entries(session, entry_ids):
        found[trigger.stage_entry_id].append(trigger)
    return found
