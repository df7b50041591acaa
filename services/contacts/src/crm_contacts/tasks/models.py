"""Tasks and calendar entries (calls, meetings, to-dos)."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import Index
from sqlmodel import Field

from crm_common.db import UTCDateTime, new_id, utcnow
from crm_contacts.db import ContactsBase

# Sort key of tasks without a due date: after every dated task, and never NULL (keyset pages
# compare it, and NULLs sort differently on SQLite and PostgreSQL).
UNDATED = datetime(9999, 12, 31, tzinfo=UTC)


class Task(ContactsBase, table=True):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_due_sort_at_id", "due_sort_at", "id"),
        Index("ix_tasks_assignee_id_due_sort_at_id", "assignee_id", "due_sort_at", "id"),
        Index("ix_tasks_contact_id_due_sort_at_id", "contact_id", "due_sort_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    title: str = Field(max_length=500)
    kind: str = Field(max_length=20)
    contact_id: uuid.UUID | None = Field(default=None, foreign_key="contacts.id")
    assignee_id: str | None = Field(default=None, max_length=200)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    due_sort_at: datetime = Field(default=UNDATED, sa_type=UTCDateTime)
    status: str = Field(default="open", max_length=20)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
