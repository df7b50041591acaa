"""Every query on stage rules and their triggers."""

import uuid
from collections.abc import Sequence

from sqlalchemy import insert
from sqlmodel import Session, col, or_, select

from crm_common.db import table_of
from crm_common.pagination import Paged, SortKey, keyset_page
from crm_orders.rules.models import PipelineRule, RuleTrigger


def get(session: Session, rule_id: uuid.UUID, *, for_update: bool = False) -> PipelineRule | None:
    stmt = select(PipelineRule).where(PipelineRule.id == rule_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def active_for_stage(session: Session, pipeline_id: uuid.UUID, stage: str) -> list[PipelineRule]:
    """Active rules for entering `stage` of `pipeline_id` (or of any pipeline)."""
    stmt = select(PipelineRule).where(
        col(PipelineRule.stage) == stage,
        col(PipelineRule.active).is_(True),
        or_(col(PipelineRule.pipeline_id).is_(None), col(PipelineRule.pipeline_id) == pipeline_id),
    )
    return list(session.exec(stmt.order_by(col(PipelineRule.id))).all())


def list_page(
    session: Session, stage: str | None, active: bool | None, limit: int, cursor: str | None
) -> Paged[PipelineRule]:
    stmt = select(PipelineRule)
    if stage is not None:
        stmt = stmt.where(col(PipelineRule.stage) == stage)
    if active is not None:
        stmt = stmt.where(col(PipelineRule.active).is_(active))
    return keyset_page(session, stmt, [SortKey(col(PipelineRule.id))], limit, cursor)


def delete(session: Session, rule: PipelineRule) -> None:
    session.delete(rule)


def insert_triggers(session: Session, triggers: Sequence[RuleTrigger]) -> None:
    """Record fired rules; the unique (rule, stage entry) refuses a second firing on one entry."""
    if triggers:
        session.connection().execute(
            insert(table_of(RuleTrigger)), [t.model_dump() for t in triggers]
        )


def triggers_of_entries(session: Session, entry_ids: Sequence[uuid.UUID]) -> list[RuleTrigger]:
    if not entry_ids:
        return []
    stmt = (
        select(RuleTrigger)
        .where(col(RuleTrigger.stage_entry_id).in_(entry_ids))
        .order_by(col(RuleTrigger.id))
    )
    return list(session.exec(stmt).all())
