"""Every query on tasks."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from crm_common.db import utcnow
from crm_common.pagination import Paged, SortKey, keyset_page
from crm_contacts.tasks.models import Task


@dataclass(frozen=True)
class TaskFilters:
    assignee_id: str | None = None
    contact_id: uuid.UUID | None = None
    due_from: datetime | None = None
    due_to: datetime | None = None
    status: str | None = None


def get(session: Session, task_id: uuid.UUID, *, for_update: bool = False) -> Task | None:
    stmt = select(Task).where(Task.id == task_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def list_page(
    session: Session, filters: TaskFilters, limit: int, cursor: str | None
) -> Paged[Task]:
    """Tasks by due date (undated ones last), then id; a date range leaves undated tasks out."""
    stmt = select(Task)
    if filters.assignee_id is not None:
        stmt = stmt.where(col(Task.assignee_id) == filters.assignee_id)
    if filters.contact_id is not None:
        stmt = stmt.where(col(Task.contact_id) == filters.contact_id)
    if filters.status is not None:
        stmt = stmt.where(col(Task.status) == filters.status)
    if filters.due_from is not None:
        stmt = stmt.where(col(Task.due_at) >= filters.due_from)
    if filters.due_to is not None:
        stmt = stmt.where(col(Task.due_at) < filters.due_to)
    keys = [SortKey(col(Task.due_sort_at)), SortKey(col(Task.id))]
    return keyset_page(session, stmt, keys, limit, cursor)


def move_to(session: Session, from_contact: uuid.UUID, to_contact: uuid.UUID) -> None:
    """Give a merged contact's tasks to its survivor (a new version for each: it changed)."""
    session.exec(
        update(Task)
        .where(col(Task.contact_id) == from_contact)
        .values(contact_id=to_contact, version=col(Task.version) + 1, updated_at=utcnow())
    )
