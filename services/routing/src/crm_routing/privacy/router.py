"""HTTP routes of data rights: a contact's export (the gateway composes every service's)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from crm_common.auth import CUSTOMER_ROLE, Principal, require_roles
from crm_common.db import ServiceRoute, SessionDep
from crm_common.http import json_response
from crm_routing.deps import problems
from crm_routing.privacy import service
from crm_routing.privacy.schemas import ContactExport

ExportCaller = Annotated[Principal, Depends(require_roles("admin", CUSTOMER_ROLE))]

router = APIRouter(prefix="/v1/privacy", tags=["privacy"], route_class=ServiceRoute)


@router.get("/contacts/{contact_id}/export", response_model=ContactExport, responses=problems(422))
def export_contact(contact_id: uuid.UUID, principal: ExportCaller, session: SessionDep) -> Response:
    """Everything routing holds about a contact (and the contacts merged into it): the read
    models' contact, consents, orders and opportunities; calls; callbacks with their attempts;
    chats with their messages; web sessions with their pages; devices. Admins, or the customer
    whose contact it is (403 otherwise)."""
    return json_response(service.export(session, contact_id, principal))
