"""Opportunities and their stage history (one entry per stage they enter)."""

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Index
from sqlmodel import Field

from crm_common.db import UTCDateTime, new_id, utcnow
from crm_orders.db import OrdersBase


class Opportunity(OrdersBase, table=True):
    __tablename__ = "opportunities"
    __table_args__ = (Index("ix_opportunities_pipeline_id_stage", "pipeline_id", "stage"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    contact_id: uuid.UUID = Field(index=True)
    title: str = Field(max_length=200)
    pipeline_id: uuid.UUID = Field(foreign_key="pipelines.id")
    stage: str = Field(max_length=50, index=True)
    # The history entry of the stage it is in now; rules fire once per entry.
    stage_entry_id: uuid.UUID
    # Exact decimal text ("50000.00"): compared in Python only, so no float on SQLite.
    amount: str | None = Field(default=None, max_length=40)
    currency: str | None = Field(default=None, max_length=3)
    expected_close_date: date | None = Field(default=None, index=True)
    owner_id: str | None = Field(default=None, max_length=200, index=True)
    product_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    lost_reason: str | None = Field(default=None, max_length=500)
    order_id: uuid.UUID | None = Field(default=None)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StageEntry(OrdersBase, table=True):
    """An opportunity entering a stage: who moved it, when, from where."""

    __tablename__ = "opportunity_stage_entries"
    __table_args__ = (
        Index("ix_opportunity_stage_entries_opportunity_id_id", "opportunity_id", "id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    opportunity_id: uuid.UUID = Field(foreign_key="opportunities.id")
    from_stage: str | None = Field(default=None, max_length=50)
    stage: str = Field(max_length=50)
    changed_by: str = Field(max_length=200)
    lost_reason: str | None = Field(default=None, max_length=500)
    order_id: uuid.UUID | None = Field(default=None)
    entered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
