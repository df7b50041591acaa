"""HTTP routes of a customer's own data (`/v1/me`, customer tokens only): their contact, their
consents, and the erasure of their data."""

from fastapi import APIRouter, Response

from crm_common.auth import CustomerDep
from crm_common.db import ServiceRoute, SessionDep
from crm_common.http import IfMatchHeader, etag, json_response
from crm_common.openapi import etag_header
from crm_contacts.consents.schemas import ConsentOverview, ConsentRead, Purpose
from crm_contacts.deps import RegionDep, problems
from crm_contacts.me import service
from crm_contacts.me.schemas import MeConsentSet, MeRead, MeUpdate
from crm_contacts.privacy.router import ERASURE_REQUESTED, ErasureServicesDep, erasure_response
from crm_contacts.privacy.schemas import ErasureRead

router = APIRouter(prefix="/v1/me", tags=["me"], route_class=ServiceRoute)


@router.get(
    "", response_model=MeRead, responses={200: {"headers": etag_header()}, **problems(404, 410)}
)
def get_me(principal: CustomerDep, session: SessionDep) -> Response:
    """Your contact data (customer tokens only)."""
    read = service.get_me(session, principal)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.patch(
    "",
    response_model=MeRead,
    responses={200: {"headers": etag_header()}, **problems(400, 404, 409, 410, 412, 422)},
)
def update_me(
    body: MeUpdate,
    principal: CustomerDep,
    session: SessionDep,
    region: RegionDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Correct your names, email addresses, phone numbers, address and preferences (honours
    If-Match); any other field is refused with 422."""
    read = service.update_me(session, principal, body, region, if_match)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.get("/consents", response_model=ConsentOverview, responses=problems(404, 410))
def get_my_consents(principal: CustomerDep, session: SessionDep) -> ConsentOverview:
    """Your consent for each purpose, and every change of it."""
    return service.my_consents(session, principal)


@router.get(
    "/consents/{purpose}",
    response_model=ConsentRead,
    responses={200: {"headers": etag_header()}, **problems(404, 410)},
)
def get_my_consent(purpose: Purpose, principal: CustomerDep, session: SessionDep) -> Response:
    """Your consent for one purpose (`granted` null when you were never asked)."""
    read = service.my_consent(session, principal, purpose)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.put(
    "/consents/{purpose}",
    response_model=ConsentRead,
    responses={200: {"headers": etag_header()}, **problems(400, 404, 409, 410, 412, 422)},
)
def set_my_consent(
    purpose: Purpose,
    body: MeConsentSet,
    principal: CustomerDep,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Give or withdraw your consent for one purpose (honours If-Match)."""
    read = service.set_my_consent(session, principal, purpose, body, if_match)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.post(
    "/erasure",
    status_code=202,
    response_model=ErasureRead,
    responses={**ERASURE_REQUESTED, **problems(404, 410)},
)
def request_my_erasure(
    principal: CustomerDep, session: SessionDep, services: ErasureServicesDep
) -> Response:
    """Erase your personal data: here at once, in the other services as they confirm; asking
    again answers the existing request."""
    read, created = service.request_my_erasure(session, principal, services)
    return erasure_response(read, created, "/v1/me/erasure")


@router.get("/erasure", response_model=ErasureRead, responses=problems(404))
def get_my_erasure(principal: CustomerDep, session: SessionDep) -> ErasureRead:
    """The progress of the erasure of your data, service by service."""
    return service.my_erasure(session, principal)
