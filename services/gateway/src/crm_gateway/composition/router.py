"""The gateway's composed documents: a contact's 360° view and personal-data exports."""

import uuid

from fastapi import APIRouter, Request

from crm_common.auth import Principal
from crm_common.errors import Forbidden
from crm_common.logging import current_request_id
from crm_common.openapi import problem_responses
from crm_gateway.audit.recorder import AuditRecorder
from crm_gateway.auth import CallerDep
from crm_gateway.composition import export, view360
from crm_gateway.composition.schemas import Contact360, PersonalDataExport

router = APIRouter(tags=["composition"])
problems = problem_responses(
    {
        403: "Not allowed for this role",
        404: "No such contact (or not one of yours)",
        410: "The contact was merged or erased",
        422: "Validation failed",
        503: "A service did not answer",
    }
)


def _note(request: Request, principal: Principal) -> None:
    """Audit the composed read (the recorder reads the contact from the path)."""
    recorder: AuditRecorder = request.app.state.audit
    reason = request.headers.get("x-rapport-reason")
    recorder.note(
        principal,
        request.method,
        request.url.path,
        200,
        None,
        reason[:200] if reason else None,
        current_request_id(),
    )


@router.get(
    "/v1/contacts/{contact_id}/360",
    response_model=Contact360,
    responses=problems(403, 404, 410, 422, 503),
)
async def contact_360(contact_id: uuid.UUID, caller: CallerDep, request: Request) -> Contact360:
    """The contact with its timeline, tasks, consents, loyalty, orders, deals and callbacks,
    gathered from every service in parallel; sections of a service that is down are null and
    listed in `incomplete` (staff only)."""
    if not caller.is_staff:
        raise Forbidden("The 360° view is for staff (admin, manager, agent).")
    settings = request.app.state.settings
    view = await view360.compose(
        request.app.state.forwarder, caller, contact_id, settings.composition_timeout_seconds
    )
    _note(request, caller)
    return view


@router.get(
    "/v1/contacts/{contact_id}/export",
    response_model=PersonalDataExport,
    responses=problems(403, 404, 410, 422, 503),
)
async def export_contact(
    contact_id: uuid.UUID, caller: CallerDep, request: Request
) -> PersonalDataExport:
    """Everything Rapport holds about the person, from every service, as one document (admins;
    a customer downloads their own at `GET /v1/me/export`)."""
    if "admin" not in caller.roles:
        raise Forbidden("Exporting a person's data needs the admin role.")
    document = await _export(request, caller, contact_id)
    _note(request, caller)
    return document


@router.get("/v1/me/export", response_model=PersonalDataExport, responses=problems(410, 503))
async def export_me(caller: CallerDep, request: Request) -> PersonalDataExport:
    """Everything Rapport holds about you, from every service, as one JSON document."""
    assert caller.contact_id is not None  # the route table lets only customer tokens in
    return await _export(request, caller, uuid.UUID(caller.contact_id))


async def _export(request: Request, caller: Principal, contact_id: uuid.UUID) -> PersonalDataExport:
    settings = request.app.state.settings
    return await export.compose(
        request.app.state.forwarder,
        request.app.state.engine,
        caller,
        contact_id,
        settings.composition_timeout_seconds,
    )
