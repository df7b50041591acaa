"""Every query on tasks."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, update
from sqlmodel import Session, col, select

from crm_common.db import utcnow
from crm_common.pagination import Paged, SortKey, keyset_page
from crm_contacts.access import RowScope
from crm_contacts.contacts import repository as contacts
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


def get_visible(
    session: Session, task_id: uuid.UUID, scope: RowScope, *, for_update: bool = False
) -> Task | None:
    """The task `task_id` when a caller who sees `scope` sees it, else None."""
    stmt = select(Task).where(Task.id == task_id)
    if (condition := visible_condition(scope)) is not None:
        stmt = stmt.where(condition)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def visible_condition(scope: RowScope) -> ColumnElement[bool] | None:
    """The tasks a caller who sees the contacts of `scope` sees: those without a contact, those
    assigned to one of its agent ids, and those of its contacts; None when it sees every task."""
    if scope.everything:
        return None
    seen = [col(Task.contact_id).is_(None)]
    if scope.agent_ids:
        seen.append(col(Task.assignee_id).in_(sorted(scope.agent_ids)))
    if not scope.nothing:
        seen.append(col(Task.contact_id).in_(contacts.visible_ids_query(scope)))
    return or_(*seen)


def list_page(
    session: Session, filters: TaskFilters, limit: int, cursor: str | None, scope: RowScope
) -> Paged[Task]:
    """Tasks in `scope` by due date (undated ones last), then id; a date range leaves undated tasks
    out."""
    stmt = select(Task)
    if (condition := visible_condition(scope)) is not None:
        stmt = stmt.where(condition)
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
