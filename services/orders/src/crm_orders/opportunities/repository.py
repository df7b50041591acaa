"""Every query on opportunities and their stage history."""

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from crm_common.pagination import Paged, SortKey, keyset_page
from crm_orders.opportunities.models import Opportunity, StageEntry


@dataclass(frozen=True)
class OpportunityFilters:
    stage: str | None = None
    owner_id: str | None = None
    contact_id: uuid.UUID | None = None
    pipeline_id: uuid.UUID | None = None
    close_from: date | None = None
    close_to: date | None = None


def get(
    session: Session,
    opportunity_id: uuid.UUID,
    *,
    for_update: bool = False,
    visible: ColumnElement[bool] | None = None,
) -> Opportunity | None:
    """The opportunity, when it exists and `visible` (row-level access; None: any) holds."""
    stmt = select(Opportunity).where(Opportunity.id == opportunity_id)
    if visible is not None:
        stmt = stmt.where(visible)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def list_page(
    session: Session,
    filters: OpportunityFilters,
    limit: int,
    cursor: str | None,
    visible: ColumnElement[bool] | None = None,
) -> Paged[Opportunity]:
    """Opportunities (those `visible` holds for) in creation order; the close-date range is
    inclusive and leaves undated out."""
    stmt = select(Opportunity) if visible is None else select(Opportunity).where(visible)
    if filters.stage is not None:
        stmt = stmt.where(col(Opportunity.stage) == filters.stage)
    if filters.owner_id is not None:
        stmt = stmt.where(col(Opportunity.owner_id) == filters.owner_id)
    if filters.contact_id is not None:
        stmt = stmt.where(col(Opportunity.contact_id) == filters.contact_id)
    if filters.pipeline_id is not None:
        stmt = stmt.where(col(Opportunity.pipeline_id) == filters.pipeline_id)
    if filters.close_from is not None:
        stmt = stmt.where(col(Opportunity.expected_close_date) >= filters.close_from)
    if filters.close_to is not None:
        stmt = stmt.where(col(Opportunity.expected_close_date) <= filters.close_to)
    return keyset_page(session, stmt, [SortKey(col(Opportunity.id))], limit, cursor)


def stages_in_use(session: Session, pipeline_id: uuid.UUID) -> set[str]:
    stmt = select(Opportunity.stage).where(col(Opportunity.pipeline_id) == pipeline_id).distinct()
    return set(session.exec(stmt).all())


def add_entry(session: Session, entry: StageEntry) -> None:
    session.add(entry)
    session.flush()


def history_page(
    session: Session, opportunity_id: uuid.UUID, limit: int, cursor: str | None
) -> Paged[StageEntry]:
    stmt = select(StageEntry).where(col(StageEntry.opportunity_id) == opportunity_id)
    return keyset_page(session, stmt, [SortKey(col(StageEntry.id))], limit, cursor)
