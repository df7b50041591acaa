"""HTTP routes of consents."""

import uuid

from fastapi import APIRouter, Response

from crm_common.db import ServiceRoute, SessionDep
from crm_common.http import IfMatchHeader, etag, json_response
from crm_common.openapi import etag_header
from crm_contacts.consents import service
from crm_contacts.consents.schemas import ConsentOverview, ConsentRead, ConsentSet, Purpose
from crm_contacts.deps import ContactsCaller, RowScopeDep, problems

router = APIRouter(
    prefix="/v1/contacts/{contact_id}/consents", tags=["consents"], route_class=ServiceRoute
)


@router.put(
    "/{purpose}",
    response_model=ConsentRead,
    responses={200: {"headers": etag_header()}, **problems(400, 404, 409, 410, 412, 422)},
)
def set_consent(
    contact_id: uuid.UUID,
    purpose: Purpose,
    body: ConsentSet,
    _principal: ContactsCaller,
    scope: RowScopeDep,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Grant or withdraw a contact's consent for one purpose (honours If-Match; 404 for a contact
    outside the caller's rows)."""
    read = service.set_consent(session, contact_id, purpose, body, if_match, scope)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.get("", response_model=ConsentOverview, responses=problems(404, 410))
def get_consents(
    contact_id: uuid.UUID, _principal: ContactsCaller, scope: RowScopeDep, session: SessionDep
) -> ConsentOverview:
    """Each purpose's current consent and the full history of changes (404 for a contact outside
    the caller's rows)."""
    return service.overview(session, contact_id, scope)
