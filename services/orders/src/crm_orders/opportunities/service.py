"""Rules of opportunities: they start in the first stage, move between stages of their pipeline,
stay put once won or lost, and fire stage rules on every stage they enter."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from crm_common.auth import Principal
from crm_common.db import new_id, utcnow
from crm_common.errors import FieldError
from crm_common.events.orders import (
    OpportunityCreated,
    OpportunityLost,
    OpportunitySnapshot,
    OpportunityStageChanged,
    OpportunityUpdated,
    OpportunityWon,
    RequestedTask,
)
from crm_common.http import check_if_match
from crm_common.outbox import add_event
from crm_common.pagination import Paged
from crm_orders import access
from crm_orders.access import RowScope
from crm_orders.catalog import repository as products
from crm_orders.commerce import SOURCE
from crm_orders.db import Outbox
from crm_orders.opportunities import repository
from crm_orders.opportunities.errors import (
    InvalidOpportunity,
    OpportunityClosed,
    OpportunityNotFound,
)
from crm_orders.opportunities.models import Opportunity, StageEntry
from crm_orders.opportunities.repository import OpportunityFilters
from crm_orders.opportunities.schemas import (
    OpportunityCreate,
    OpportunityRead,
    OpportunityUpdate,
    StageEntryRead,
    StageMove,
    TriggeredTask,
    as_decimal,
)
from crm_orders.pipelines import repository as pipeline_rows
from crm_orders.pipelines import service as pipelines
from crm_orders.pipelines.models import Pipeline
from crm_orders.pipelines.stages import StageInfo, StageList
from crm_orders.rules import service as rules
from crm_orders.rules.matching import StageEntered
from crm_orders.sales import money_text

# Fields a PATCH may set directly on the row.
_SCALARS = ("title", "amount", "currency", "expected_close_date", "owner_id", "product_ids")


# --- reading ---------------------------------------------------------------------------------------


def require(
    session: Session, opportunity_id: uuid.UUID, scope: RowScope, *, for_update: bool = False
) -> Opportunity:
    """The opportunity, if `scope` covers it (one outside the caller's rows is not found)."""
    opportunity = repository.get(
        session,
        opportunity_id,
        for_update=for_update,
        visible=access.opportunities_visible(scope),
    )
    if opportunity is None:
        raise OpportunityNotFound(opportunity_id)
    return opportunity


def to_read(opportunity: Opportunity, stages: StageList) -> OpportunityRead:
    stage = stages.get(opportunity.stage)
    return OpportunityRead(
        id=opportunity.id,
        contact_id=opportunity.contact_id,
        title=opportunity.title,
        pipeline_id=opportunity.pipeline_id,
        stage=opportunity.stage,
        stage_kind=stage.kind if stage else "open",
        probability=stage.probability if stage else 0,
        amount=as_decimal(opportunity.amount),
        currency=opportunity.currency,
        expected_close_date=opportunity.expected_close_date,
        owner_id=opportunity.owner_id,
        product_ids=[uuid.UUID(p) for p in opportunity.product_ids],
        lost_reason=opportunity.lost_reason,
        order_id=opportunity.order_id,
        version=opportunity.version,
        created_at=opportunity.created_at,
        updated_at=opportunity.updated_at,
    )


def snapshot(opportunity: Opportunity) -> OpportunitySnapshot:
    return OpportunitySnapshot(
        id=opportunity.id,
        contact_id=opportunity.contact_id,
        title=opportunity.title,
        pipeline_id=opportunity.pipeline_id,
        stage=opportunity.stage,
        amount=as_decimal(opportunity.amount),
        currency=opportunity.currency,
        expected_close_date=opportunity.expected_close_date,
        owner_id=opportunity.owner_id,
        product_ids=[uuid.UUID(p) for p in opportunity.product_ids],
        lost_reason=opportunity.lost_reason,
        version=opportunity.version,
        created_at=opportunity.created_at,
        updated_at=opportunity.updated_at,
    )


def read(session: Session, opportunity: Opportunity) -> OpportunityRead:
    return to_read(
        opportunity, pipelines.stages_of(pipelines.require(session, opportunity.pipeline_id))
    )


def get_opportunity(
    session: Session, opportunity_id: uuid.UUID, scope: RowScope
) -> OpportunityRead:
    return read(session, require(session, opportunity_id, scope))


def list_opportunities(
    session: Session,
    filters: OpportunityFilters,
    limit: int,
    cursor: str | None,
    scope: RowScope,
) -> Paged[OpportunityRead]:
    visible = access.opportunities_visible(scope)
    rows, next_cursor = repository.list_page(session, filters, limit, cursor, visible)
    stages: dict[uuid.UUID, StageList] = {}
    items = []
    for row in rows:
        if row.pipeline_id not in stages:
            stages[row.pipeline_id] = pipelines.stages_of(
                pipelines.require(session, row.pipeline_id)
            )
        items.append(to_read(row, stages[row.pipeline_id]))
    return items, next_cursor


def history(
    session: Session, opportunity_id: uuid.UUID, limit: int, cursor: str | None, scope: RowScope
) -> Paged[StageEntryRead]:
    """The stages it entered, oldest first, each with the tasks its rules requested."""
    require(session, opportunity_id, scope)
    entries, next_cursor = repository.history_page(session, opportunity_id, limit, cursor)
    triggers = rules.triggers_by_entry(session, [e.id for e in entries])
    items = [
        StageEntryRead(
            id=e.id,
            from_stage=e.from_stage,
            stage=e.stage,
            changed_by=e.changed_by,
            entered_at=e.entered_at,
            lost_reason=e.lost_reason,
            order_id=e.order_id,
            requested_tasks=[
                TriggeredTask(
                    id=t.id,
                    rule_id=t.rule_id,
                    title=t.title,
                    kind=t.kind,
                    assignee_id=t.assignee_id,
                    due_at=t.due_at,
                )
                for t in triggers[e.id]
            ],
        )
        for e in entries
    ]
    return items, next_cursor


# --- writing ---------------------------------------------------------------------------------------


def create_opportunity(
    session: Session, data: OpportunityCreate, principal: Principal
) -> OpportunityRead:
    """A new opportunity in the first stage of its pipeline; rules for that stage fire."""
    errors = _money_errors(data.amount, data.currency)
    errors += _product_errors(session, data.product_ids)
    pipeline: Pipeline | None
    if data.pipeline_id is None:
        pipeline = pipelines.require_default(session)
    else:
        pipeline = pipeline_rows.get(session, data.pipeline_id)
        if pipeline is None:
            errors.append(
                FieldError(
                    field="body.pipeline_id", message="no such pipeline", code="unknown_pipeline"
                )
            )
    if errors or pipeline is None:
        raise InvalidOpportunity(errors)
    stages = pipelines.stages_of(pipeline)
    now = utcnow()
    entry = StageEntry(
        opportunity_id=new_id(), stage=stages.first.name, changed_by=principal.id, entered_at=now
    )
    opportunity = Opportunity(
        id=entry.opportunity_id,
        contact_id=data.contact_id,
        title=data.title,
        pipeline_id=pipeline.id,
        stage=stages.first.name,
        stage_entry_id=entry.id,
        amount=None if data.amount is None else money_text(data.amount),
        currency=data.currency,
        expected_close_date=data.expected_close_date,
        owner_id=data.owner_id,
        product_ids=[str(p) for p in dict.fromkeys(data.product_ids)],
        created_at=now,
        updated_at=now,
    )
    session.add(opportunity)
    repository.add_entry(session, entry)
    tasks = _fire(session, opportunity, entry, now)
    add_event(
        session,
        Outbox,
        OpportunityCreated(opportunity=snapshot(opportunity), requested_tasks=tasks),
        source=SOURCE,
        subject=str(opportunity.id),
    )
    return to_read(opportunity, stages)


def update_opportunity(
    session: Session,
    opportunity_id: uuid.UUID,
    data: OpportunityUpdate,
    if_match: str | None,
    scope: RowScope,
) -> OpportunityRead:
    """Apply the fields that were sent; bumps the version and publishes only when something changed."""
    opportunity = require(session, opportunity_id, scope, for_update=True)
    check_if_match(if_match, opportunity.version)
    sent = data.model_fields_set
    changes = data.model_dump(include=set(_SCALARS) & sent)
    if "amount" in changes and changes["amount"] is not None:
        changes["amount"] = money_text(changes["amount"])
    if "product_ids" in changes:
        errors = _product_errors(session, data.product_ids or [])
        changes["product_ids"] = [str(p) for p in dict.fromkeys(data.product_ids or [])]
    else:
        errors = []
    amount = changes.get("amount", opportunity.amount)
    currency = changes.get("currency", opportunity.currency)
    errors = _money_errors(as_decimal(amount), currency, sent) + errors
    if errors:
        raise InvalidOpportunity(errors)
    changed = [field for field, value in changes.items() if getattr(opportunity, field) != value]
    if not changed:
        return read(session, opportunity)
    for field in changed:
        setattr(opportunity, field, changes[field])
    _touch(opportunity, utcnow())
    add_event(
        session,
        Outbox,
        OpportunityUpdated(opportunity=snapshot(opportunity), changed_fields=sorted(changed)),
        source=SOURCE,
        subject=str(opportunity.id),
    )
    return read(session, opportunity)


def move_stage(
    session: Session,
    opportunity_id: uuid.UUID,
    data: StageMove,
    principal: Principal,
    if_match: str | None,
    scope: RowScope,
) -> OpportunityRead:
    """Move to another stage of its pipeline; moving to the stage it is in changes nothing."""
    opportunity = require(session, opportunity_id, scope, for_update=True)
    check_if_match(if_match, opportunity.version)
    stages = pipelines.stages_of(pipelines.require(session, opportunity.pipeline_id))
    target = stages.get(data.stage)
    if target is None:
        raise InvalidOpportunity(
            [
                FieldError(
                    field="body.stage",
                    message=f"the pipeline has no stage {data.stage!r}; its stages are "
                    + ", ".join(stages.names),
                    code="unknown_stage",
                )
            ]
        )
    if target.kind == "lost" and data.lost_reason is None:
        raise InvalidOpportunity(
            [
                FieldError(
                    field="body.lost_reason",
                    message="a lost opportunity needs a reason",
                    code="lost_reason_required",
                )
            ]
        )
    if target.kind != "lost" and data.lost_reason is not None:
        raise InvalidOpportunity(
            [
                FieldError(
                    field="body.lost_reason",
                    message="only a lost stage takes a reason",
                    code="lost_reason_not_allowed",
                )
            ]
        )
    if target.name == opportunity.stage and not _is_closed(opportunity, stages):
        return to_read(opportunity, stages)
    enter_stage(session, opportunity, stages, target, principal, lost_reason=data.lost_reason)
    return to_read(opportunity, stages)


def enter_stage(
    session: Session,
    opportunity: Opportunity,
    stages: StageList,
    target: StageInfo,
    principal: Principal,
    *,
    lost_reason: str | None = None,
    order_id: uuid.UUID | None = None,
) -> list[RequestedTask]:
    """Move `opportunity` (locked by the caller) into `target`: a history entry, the rules that fire
    on it, stage_changed and, for a closed stage, won or lost. 409 when it is already closed."""
    if _is_closed(opportunity, stages):
        raise OpportunityClosed(opportunity.id, opportunity.stage)
    now = utcnow()
    from_stage = opportunity.stage
    entry = StageEntry(
        opportunity_id=opportunity.id,
        from_stage=from_stage,
        stage=target.name,
        changed_by=principal.id,
        lost_reason=lost_reason,
        order_id=order_id,
        entered_at=now,
    )
    repository.add_entry(session, entry)
    opportunity.stage = target.name
    opportunity.stage_entry_id = entry.id
    if target.kind == "lost":
        opportunity.lost_reason = lost_reason
    if order_id is not None:
        opportunity.order_id = order_id
    _touch(opportunity, now)
    tasks = _fire(session, opportunity, entry, now)
    subject = str(opportunity.id)
    current = snapshot(opportunity)
    add_event(
        session,
        Outbox,
        OpportunityStageChanged(
            opportunity=current,
            from_stage=from_stage,
            to_stage=target.name,
            changed_by=principal.id,
            requested_tasks=tasks,
        ),
        source=SOURCE,
        subject=subject,
    )
    if target.kind == "won":
        add_event(
            session,
            Outbox,
            OpportunityWon(opportunity=current, order_id=order_id),
            source=SOURCE,
            subject=subject,
        )
    elif target.kind == "lost":
        add_event(
            session,
            Outbox,
            OpportunityLost(opportunity=current, lost_reason=lost_reason),
            source=SOURCE,
            subject=subject,
        )
    return tasks


# --- rules -----------------------------------------------------------------------------------------


def _is_closed(opportunity: Opportunity, stages: StageList) -> bool:
    stage = stages.get(opportunity.stage)
    return stage is not None and stage.closed


def _touch(opportunity: Opportunity, now: datetime) -> None:
    opportunity.version += 1
    opportunity.updated_at = now


def _fire(
    session: Session, opportunity: Opportunity, entry: StageEntry, now: datetime
) -> list[RequestedTask]:
    found = products.get_many(session, [uuid.UUID(p) for p in opportunity.product_ids])
    facts = StageEntered(
        pipeline_id=opportunity.pipeline_id,
        stage=entry.stage,
        contact_id=opportunity.contact_id,
        owner_id=opportunity.owner_id,
        amount=as_decimal(opportunity.amount),
        currency=opportunity.currency,
        categories=frozenset(p.category for p in found.values()),
    )
    return rules.fire(session, facts, opportunity.id, entry.id, now)


def _money_errors(
    amount: Decimal | None, currency: str | None, sent: set[str] | None = None
) -> list[FieldError]:
    """An amount needs a currency; a currency alone is allowed (the amount may come later)."""
    if amount is not None and currency is None:
        field = "body.currency" if sent is None or "currency" in sent else "body.amount"
        return [
            FieldError(field=field, message="an amount needs a currency", code="currency_required")
        ]
    return []


def _product_errors(session: Session, product_ids: Sequence[uuid.UUID]) -> list[FieldError]:
    found = products.get_many(session, product_ids)
    return [
        FieldError(
            field=f"body.product_ids.{index}", message="no such product", code="unknown_product"
        )
        for index, product_id in enumerate(product_ids)
        if product_id not in found
    ]
