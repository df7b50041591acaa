"""HTTP routes of data rights: consent purposes, erasure of a contact (admins), and the export of a
person's data (admins, or the customer themselves)."""

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from crm_common.auth import Principal, PrincipalDep, require_roles
from crm_common.db import ServiceRoute, SessionDep
from crm_common.http import json_response
from crm_contacts.deps import problems
from crm_contacts.privacy import service
from crm_contacts.privacy.schemas import ContactExport, ErasureRead, PurposeList

router = APIRouter(tags=["privacy"], route_class=ServiceRoute)

AdminCaller = Annotated[Principal, Depends(require_roles("admin"))]


async def erasure_services(request: Request) -> Sequence[str]:
    """The services an erasure waits for (`CRM_CONTACTS_ERASURE_SERVICES`; async: no thread hop)."""
    return list(request.app.state.settings.erasure_services)


ErasureServicesDep = Annotated[Sequence[str], Depends(erasure_services)]

ERASURE_REQUESTED: dict[int | str, dict[str, Any]] = {
    202: {
        "description": "Erased here; the other services confirm one by one",
        "headers": {
            "Location": {
                "description": "Where to follow its progress",
                "schema": {"type": "string"},
            }
        },
    },
    200: {"model": ErasureRead, "description": "Requested before: the existing request"},
}


def erasure_response(read: ErasureRead, created: bool, location: str) -> Response:
    """202 for a new erasure request, 200 for the existing one; Location to follow it."""
    return json_response(read, 202 if created else 200, {"Location": location})


@router.get("/v1/privacy/purposes", response_model=PurposeList)
async def list_purposes(_principal: PrincipalDep) -> PurposeList:
    """What each consent purpose is for: why the data is collected, how it is used, which data it
    uses (any caller the gateway vouches for, its anonymous public one included)."""
    return service.purposes()


@router.get(
    "/v1/privacy/contacts/{contact_id}/export",
    response_model=ContactExport,
    responses=problems(404, 410),
)
def export_contact(contact_id: uuid.UUID, principal: PrincipalDep, session: SessionDep) -> Response:
    """Everything this service holds about a person (admins, or that customer; internal
    assessments only for admins)."""
    return json_response(service.export_contact(session, contact_id, principal))


@router.post(
    "/v1/contacts/{contact_id}/erasure",
    status_code=202,
    response_model=ErasureRead,
    responses={**ERASURE_REQUESTED, **problems(404, 410)},
)
def request_erasure(
    contact_id: uuid.UUID,
    _principal: AdminCaller,
    session: SessionDep,
    services: ErasureServicesDep,
) -> Response:
    """Erase a contact's personal data (admins): here at once, in the other services as they
    confirm; asking again answers the existing request."""
    read, created = service.request_erasure(session, contact_id, services)
    return erasure_response(read, created, f"/v1/contacts/{contact_id}/erasure")


@router.get(
    "/v1/contacts/{contact_id}/erasure", response_model=ErasureRead, responses=problems(404)
)
def get_erasure(contact_id: uuid.UUID, _principal: AdminCaller, session: SessionDep) -> ErasureRead:
    """The progress of a contact's erasure, service by service (admins)."""
    return service.erasure_of(session, contact_id)
