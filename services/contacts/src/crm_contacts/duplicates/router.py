"""HTTP routes of duplicates and merges (staff only)."""

import uuid

from fastapi import APIRouter, Response

from crm_common.db import ServiceRoute, SessionDep
from crm_common.http import IfMatchHeader, etag, json_response
from crm_common.openapi import etag_header
from crm_contacts.contacts.schemas import ContactRead
from crm_contacts.deps import RowScopeDep, StaffCaller, problems
from crm_contacts.duplicates import service
from crm_contacts.duplicates.schemas import DuplicateCandidate, MergeRequest

router = APIRouter(
    prefix="/v1/contacts/{contact_id}", tags=["duplicates"], route_class=ServiceRoute
)


@router.get("/duplicates", response_model=list[DuplicateCandidate], responses=problems(404, 410))
def find_duplicates(
    contact_id: uuid.UUID, _principal: StaffCaller, scope: RowScopeDep, session: SessionDep
) -> list[DuplicateCandidate]:
    """Likely duplicates of a contact among the contacts the caller may see, best first (404 for a
    contact outside the caller's rows)."""
    return service.find_duplicates(session, contact_id, scope)


@router.post(
    "/merge",
    response_model=ContactRead,
    responses={200: {"headers": etag_header()}, **problems(400, 404, 409, 410, 412, 422)},
)
def merge_contact(
    contact_id: uuid.UUID,
    body: MergeRequest,
    _principal: StaffCaller,
    scope: RowScopeDep,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Merge a duplicate into this contact, which survives (honours If-Match). Both must be
    contacts the caller may see: 404 for this one, 422 for the duplicate otherwise."""
    read = service.merge(session, contact_id, body.duplicate_id, if_match, scope)
    return json_response(read, headers={"ETag": etag(read.version)})
