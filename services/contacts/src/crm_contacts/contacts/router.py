"""HTTP routes of contacts: parse, call one service function, answer."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from crm_common.db import ServiceRoute, SessionDep
from crm_common.http import IfMatchHeader, etag, json_response
from crm_common.openapi import etag_header
from crm_common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from crm_contacts.contacts import service
from crm_contacts.contacts.schemas import (
    ContactCreate,
    ContactRead,
    ContactUpdate,
    LifecycleStage,
    PartnerContactRead,
)
from crm_contacts.deps import ContactsCaller, IdempotencyDep, RegionDep, RowScopeDep, problems
from crm_contacts.validation import Identifier, SearchText, Tag

router = APIRouter(prefix="/v1/contacts", tags=["contacts"], route_class=ServiceRoute)


def _location(contact_id: uuid.UUID) -> str:
    return f"/v1/contacts/{contact_id}"


@router.post(
    "",
    status_code=201,
    response_model=ContactRead,
    responses={
        201: {
            "headers": {
                **etag_header(),
                "Location": {"description": "The new contact", "schema": {"type": "string"}},
            }
        },
        **problems(400, 409, 422),
    },
)
def create_contact(
    body: ContactCreate,
    principal: ContactsCaller,
    session: SessionDep,
    idempotency: IdempotencyDep,
    region: RegionDep,
) -> Response:
    """Create a person or an organisation (retry-safe with Idempotency-Key)."""
    replayed = idempotency.replay(body)
    if replayed is not None:
        return replayed
    read = service.create_contact(session, body, principal, region)
    headers = {"ETag": etag(read.version), "Location": _location(read.id)}
    return idempotency.respond(201, service.visible(read, principal), headers)


@router.get("", response_model=Page[ContactRead], responses=problems(422))
def list_contacts(
    principal: ContactsCaller,
    scope: RowScopeDep,
    session: SessionDep,
    q: Annotated[
        SearchText | None,
        Query(description="Case-insensitive part of a name, an email address or a phone number"),
    ] = None,
    tag: Annotated[Tag | None, Query(description="Only contacts with this tag")] = None,
    owner_id: Annotated[Identifier | None, Query()] = None,
    lifecycle_stage: Annotated[LifecycleStage | None, Query()] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Response:
    """List the contacts the caller may see (agents: the ones they own or are assigned to;
    managers: also their team's; admins and partners: all) in creation order, filtered and
    searched."""
    reads, next_cursor = service.list_contacts(
        session,
        q=q,
        tag=tag,
        owner_id=owner_id,
        lifecycle_stage=lifecycle_stage,
        limit=limit,
        cursor=cursor,
        scope=scope,
    )
    if principal.is_staff:
        return json_response(Page[ContactRead](items=reads, next_cursor=next_cursor))
    items = [service.visible(r, principal) for r in reads]
    return json_response(Page[PartnerContactRead](items=items, next_cursor=next_cursor))


@router.get(
    "/lookup",
    response_model=ContactRead,
    responses={200: {"headers": etag_header()}, **problems(404, 422)},
)
def lookup_contact(
    principal: ContactsCaller,
    scope: RowScopeDep,
    session: SessionDep,
    region: RegionDep,
    phone: Annotated[
        str,
        Query(
            min_length=1,
            max_length=64,
            description='Caller ID in any usual format, e.g. "(415) 555-0123" or "+14155550123"',
        ),
    ],
) -> Response:
    """Find the contact that has a phone number (caller ID), among those the caller may see."""
    read = service.lookup_by_phone(session, phone, region, scope)
    return json_response(service.visible(read, principal), headers={"ETag": etag(read.version)})


@router.get(
    "/{contact_id}",
    response_model=ContactRead,
    responses={200: {"headers": etag_header()}, **problems(404, 410)},
)
def get_contact(
    contact_id: uuid.UUID, principal: ContactsCaller, scope: RowScopeDep, session: SessionDep
) -> Response:
    """Read one contact (404 for a contact outside the caller's rows)."""
    read = service.get_contact(session, contact_id, scope)
    return json_response(service.visible(read, principal), headers={"ETag": etag(read.version)})


@router.patch(
    "/{contact_id}",
    response_model=ContactRead,
    responses={200: {"headers": etag_header()}, **problems(400, 404, 409, 410, 412, 422)},
)
def update_contact(
    contact_id: uuid.UUID,
    body: ContactUpdate,
    principal: ContactsCaller,
    scope: RowScopeDep,
    session: SessionDep,
    region: RegionDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Change some fields of a contact (honours If-Match; 404 outside the caller's rows)."""
    read = service.update_contact(session, contact_id, body, principal, region, if_match, scope)
    return json_response(service.visible(read, principal), headers={"ETag": etag(read.version)})
