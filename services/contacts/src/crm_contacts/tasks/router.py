"""HTTP routes of tasks and the calendar."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from crm_common.db import ServiceRoute, SessionDep
from crm_common.http import IfMatchHeader, etag, json_response
from crm_common.openapi import etag_header
from crm_common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from crm_contacts.deps import IdempotencyDep, RowScopeDep, StaffCaller, problems
from crm_contacts.tasks import service
from crm_contacts.tasks.repository import TaskFilters
from crm_contacts.tasks.schemas import TaskCreate, TaskRead, TaskStatus, TaskUpdate
from crm_contacts.validation import Identifier, Timestamp

router = APIRouter(prefix="/v1/tasks", tags=["tasks"], route_class=ServiceRoute)


@router.post(
    "",
    status_code=201,
    response_model=TaskRead,
    responses={
        201: {
            "headers": {
                **etag_header(),
                "Location": {"description": "The new task", "schema": {"type": "string"}},
            }
        },
        **problems(400, 409, 422),
    },
)
def create_task(
    body: TaskCreate,
    _principal: StaffCaller,
    scope: RowScopeDep,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Response:
    """Create a task, call or meeting (retry-safe with Idempotency-Key), about no contact or one the
    caller may see."""
    replayed = idempotency.replay(body)
    if replayed is not None:
        return replayed
    read = service.create_task(session, body, scope=scope)
    headers = {"ETag": etag(read.version), "Location": f"/v1/tasks/{read.id}"}
    return idempotency.respond(201, read, headers)


@router.get("", response_model=Page[TaskRead], responses=problems(422))
def list_tasks(
    _principal: StaffCaller,
    scope: RowScopeDep,
    session: SessionDep,
    assignee_id: Annotated[Identifier | None, Query()] = None,
    contact_id: Annotated[uuid.UUID | None, Query()] = None,
    due_from: Annotated[
        Timestamp | None,
        Query(
            alias="from", description="Only tasks due at or after this time (undated ones never)"
        ),
    ] = None,
    due_to: Annotated[
        Timestamp | None,
        Query(alias="to", description="Only tasks due before this time (undated ones never)"),
    ] = None,
    status: Annotated[TaskStatus | None, Query()] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[TaskRead]:
    """List tasks by due date, then creation; tasks without a due date come last. The caller sees
    tasks without a contact, those assigned to its agent id and those of the contacts it may see
    (filtered by a contact it may not see: only the ones assigned to it)."""
    filters = TaskFilters(
        assignee_id=assignee_id,
        contact_id=contact_id,
        due_from=due_from,
        due_to=due_to,
        status=status,
    )
    items, next_cursor = service.list_tasks(session, filters, limit, cursor, scope)
    return Page[TaskRead](items=items, next_cursor=next_cursor)


@router.get(
    "/{task_id}",
    response_model=TaskRead,
    responses={200: {"headers": etag_header()}, **problems(404)},
)
def get_task(
    task_id: uuid.UUID, _principal: StaffCaller, scope: RowScopeDep, session: SessionDep
) -> Response:
    """Read one task (404 for a task the caller may not see)."""
    read = service.get_task(session, task_id, scope)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.patch(
    "/{task_id}",
    response_model=TaskRead,
    responses={200: {"headers": etag_header()}, **problems(400, 404, 409, 412, 422)},
)
def update_task(
    task_id: uuid.UUID,
    body: TaskUpdate,
    _principal: StaffCaller,
    scope: RowScopeDep,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Change, reschedule, reassign, complete or cancel a task (honours If-Match; 404 for a task
    the caller may not see)."""
    read = service.update_task(session, task_id, body, if_match, scope)
    return json_response(read, headers={"ETag": etag(read.version)})
