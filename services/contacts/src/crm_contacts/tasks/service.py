"""Rules of tasks: an existing contact, ends_at not before due_at, events on creation and completion.

A caller sees the tasks without a contact, those assigned to it and those of the contacts it sees
(crm_contacts.access); other tasks answer 404, as do their contacts."""

import uuid
from datetime import datetime

from sqlmodel import Session

from crm_common.db import new_id, utcnow
from crm_common.errors import FieldError
from crm_common.events.contacts import TaskCompleted, TaskCreated
from crm_common.http import check_if_match
from crm_common.outbox import add_event
from crm_common.pagination import Paged
from crm_contacts.access import RowScope
from crm_contacts.contacts import repository as contacts
from crm_contacts.contacts.service import SOURCE
from crm_contacts.db import Outbox
from crm_contacts.tasks import repository
from crm_contacts.tasks.errors import InvalidTask, TaskNotFound
from crm_contacts.tasks.models import UNDATED, Task
from crm_contacts.tasks.repository import TaskFilters
from crm_contacts.tasks.schemas import TaskCreate, TaskRead, TaskUpdate


def to_read(task: Task) -> TaskRead:
    return TaskRead(
        id=task.id,
        title=task.title,
        kind=task.kind,
        contact_id=task.contact_id,
        assignee_id=task.assignee_id,
        due_at=task.due_at,
        ends_at=task.ends_at,
        status=task.status,
        completed_at=task.completed_at,
        version=task.version,
        created_at=task.created_at,
        updated_at=task.updated_at,
    )


def _subject(task: Task) -> str:
    """Events of a task are keyed by its contact, so they stay in order with the contact's."""
    return str(task.contact_id or task.id)


def create_task(
    session: Session, data: TaskCreate, *, scope: RowScope, task_id: uuid.UUID | None = None
) -> TaskRead:
    """A new task (with `task_id` when another service chose it) about no contact or one in
    `scope`; publishes task.created."""
    errors = _schedule_errors(data.due_at, data.ends_at)
    if data.contact_id is not None:
        contact = contacts.get_visible(session, data.contact_id, scope)
        if contact is None or contact.merged_into_id is not None or contact.erased_at is not None:
            message = "no such contact"
            if contact is not None and contact.erased_at is not None:
                message = "the contact was erased"
            elif contact is not None:
                message = f"the contact was merged into {contact.merged_into_id}"
            errors.append(
                FieldError(field="body.contact_id", message=message, code="unknown_contact")
            )
    if errors:
        raise InvalidTask(errors)
    now = utcnow()
    task = Task(
        id=task_id or new_id(),
        title=data.title,
        kind=data.kind,
        contact_id=data.contact_id,
        assignee_id=data.assignee_id,
        due_at=data.due_at,
        ends_at=data.ends_at,
        due_sort_at=data.due_at or UNDATED,
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    add_event(
        session,
        Outbox,
        TaskCreated(
            id=task.id,
            title=task.title,
            kind=data.kind,
            contact_id=task.contact_id,
            assignee_id=task.assignee_id,
            due_at=task.due_at,
            ends_at=task.ends_at,
        ),
        source=SOURCE,
        subject=_subject(task),
    )
    return to_read(task)


def exists(session: Session, task_id: uuid.UUID) -> bool:
    return repository.get(session, task_id) is not None


def get_task(session: Session, task_id: uuid.UUID, scope: RowScope) -> TaskRead:
    task = repository.get_visible(session, task_id, scope)
    if task is None:
        raise TaskNotFound(task_id)
    return to_read(task)


def update_task(
    session: Session, task_id: uuid.UUID, data: TaskUpdate, if_match: str | None, scope: RowScope
) -> TaskRead:
    """Apply the fields that were sent; completing a task publishes task.completed."""
    task = repository.get_visible(session, task_id, scope, for_update=True)
    if task is None:
        raise TaskNotFound(task_id)
    check_if_match(if_match, task.version)
    changes = data.model_dump(exclude_unset=True)
    due_at = changes.get("due_at", task.due_at)
    ends_at = changes.get("ends_at", task.ends_at)
    errors = _schedule_errors(due_at, ends_at)
    if errors:
        raise InvalidTask(errors)
    changed = [field for field, value in changes.items() if getattr(task, field) != value]
    if not changed:
        return to_read(task)
    completed = "status" in changed and changes["status"] == "done"
    for field in changed:
        setattr(task, field, changes[field])
    task.due_sort_at = task.due_at or UNDATED
    now = utcnow()
    if "status" in changed:
        task.completed_at = now if completed else None
    task.version += 1
    task.updated_at = now
    if completed:
        add_event(
            session,
            Outbox,
            TaskCompleted(
                id=task.id,
                contact_id=task.contact_id,
                assignee_id=task.assignee_id,
                completed_at=now,
            ),
            source=SOURCE,
            subject=_subject(task),
        )
    return to_read(task)


def list_tasks(
    session: Session, filters: TaskFilters, limit: int, cursor: str | None, scope: RowScope
) -> Paged[TaskRead]:
    rows, next_cursor = repository.list_page(session, filters, limit, cursor, scope)
    return [to_read(t) for t in rows], next_cursor


def _schedule_errors(due_at: datetime | None, ends_at: datetime | None) -> list[FieldError]:
    if ends_at is None:
        return []
    if due_at is None:
        return [FieldError(field="body.ends_at", message="needs due_at", code="ends_without_start")]
    if ends_at < due_at:
        return [
            FieldError(
                field="body.ends_at", message="must not be before due_at", code="ends_before_start"
            )
        ]
    return []
