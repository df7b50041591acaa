"""`GET /v1/audit`: who read or changed whose personal data (admins only, per the route table)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from crm_common.db import ServiceRoute, SessionDep
from crm_common.openapi import problem_responses
from crm_common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from crm_common.validation import Timestamp
from crm_gateway.audit import repository
from crm_gateway.audit.recorder import AuditRecorder
from crm_gateway.audit.schemas import AuditEntryRead
from crm_gateway.auth import CallerDep

router = APIRouter(prefix="/v1/audit", tags=["audit"], route_class=ServiceRoute)
problems = problem_responses({422: "Validation failed"})


@router.get("", response_model=Page[AuditEntryRead], responses=problems(422))
def list_audit_entries(
    request: Request,
    _caller: CallerDep,
    session: SessionDep,
    contact_id: Annotated[uuid.UUID | None, Query(description="Entries about this contact")] = None,
    principal_id: Annotated[
        str | None, Query(max_length=200, description="Entries of this API key")
    ] = None,
    since: Annotated[Timestamp | None, Query(description="At or after (RFC 3339)")] = None,
    until: Annotated[Timestamp | None, Query(description="Before (RFC 3339)")] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[AuditEntryRead]:
    """The audit log, newest first: every read or change of personal data by staff and partners."""
    recorder: AuditRecorder = request.app.state.audit
    recorder.flush()  # what happened up to this request is in the answer
    rows, next_cursor = repository.page(
        session,
        contact_id=contact_id,
        principal_id=principal_id,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
    )
    return Page(
        items=[AuditEntryRead.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=next_cursor,
    )
