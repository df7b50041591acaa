"""HTTP routes of the interaction timeline."""

import uuid

from fastapi import APIRouter, Response

from crm_common.db import ServiceRoute, SessionDep
from crm_common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from crm_contacts.deps import ContactsCaller, IdempotencyDep, RowScopeDep, problems
from crm_contacts.interactions import service
from crm_contacts.interactions.schemas import InteractionCreate, InteractionRead

router = APIRouter(
    prefix="/v1/contacts/{contact_id}/interactions", tags=["interactions"], route_class=ServiceRoute
)


@router.post(
    "",
    status_code=201,
    response_model=InteractionRead,
    responses=problems(400, 404, 409, 410, 422),
)
def log_interaction(
    contact_id: uuid.UUID,
    body: InteractionCreate,
    _principal: ContactsCaller,
    scope: RowScopeDep,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Response:
    """Add a call, email, meeting, chat, web visit or note to a contact's timeline (404 for a
    contact outside the caller's rows)."""
    replayed = idempotency.replay(body)
    if replayed is not None:
        return replayed
    read = service.log_interaction(session, contact_id, body, scope=scope)
    return idempotency.respond(201, read, {})


@router.get("", response_model=Page[InteractionRead], responses=problems(404, 410, 422))
def list_interactions(
    contact_id: uuid.UUID,
    _principal: ContactsCaller,
    scope: RowScopeDep,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[InteractionRead]:
    """A contact's timeline, newest first (404 for a contact outside the caller's rows)."""
    items, next_cursor = service.timeline(session, contact_id, limit, cursor, scope)
    return Page[InteractionRead](items=items, next_cursor=next_cursor)
