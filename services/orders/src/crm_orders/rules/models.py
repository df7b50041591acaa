"""Stage rules, and the record of each time one fired."""

import uuid
from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from crm_common.db import UTCDateTime, new_id, utcnow
from crm_orders.db import OrdersBase


class PipelineRule(OrdersBase, table=True):
    """When an opportunity enters `stage` (and matches the other conditions), request a task."""

    __tablename__ = "pipeline_rules"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str = Field(max_length=200)
    pipeline_id: uuid.UUID | None = Field(default=None, foreign_key="pipelines.id")
    stage: str = Field(max_length=50, index=True)
    amount_gt: str | None = Field(default=None, max_length=40)
    currency: str | None = Field(default=None, max_length=3)
    category: str | None = Field(default=None, max_length=200)
    task_title: str = Field(max_length=500)
    task_kind: str = Field(default="todo", max_length=20)
    task_assignee: str = Field(max_length=200)
    task_due_in_hours: int
    active: bool = Field(default=True)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RuleTrigger(OrdersBase, table=True):
    """A rule that fired on one stage entry; the unique pair makes it fire once per entry. Its id is
    the requested task's id, with which the contacts service creates the task exactly once."""

    __tablename__ = "rule_triggers"
    __table_args__ = (UniqueConstraint("rule_id", "stage_entry_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    # No foreign key: the record outlives a deleted rule.
    rule_id: uuid.UUID
    opportunity_id: uuid.UUID = Field(foreign_key="opportunities.id", index=True)
    stage_entry_id: uuid.UUID = Field(foreign_key="opportunity_stage_entries.id", index=True)
    title: str = Field(max_length=500)
    kind: str = Field(max_length=20)
    assignee_id: str | None = Field(default=None, max_length=200)
    due_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
