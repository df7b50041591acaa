"""HTTP routes of data rights: the orders service's part of a contact's export."""

import uuid

from fastapi import APIRouter, Response

from crm_common.auth import PrincipalDep
from crm_common.db import ServiceRoute, SessionDep
from crm_common.http import json_response
from crm_orders.privacy import service
from crm_orders.privacy.errors import problems
from crm_orders.privacy.schemas import ContactExport

router = APIRouter(prefix="/v1/privacy", tags=["privacy"], route_class=ServiceRoute)


@router.get(
    "/contacts/{contact_id}/export",
    response_model=ContactExport,
    responses=problems(403, 422),
)
def export_contact(contact_id: uuid.UUID, principal: PrincipalDep, session: SessionDep) -> Response:
    """Everything the orders service holds about a contact: orders with lines, status history and
    tracking, quotes and opportunities. For an admin, as staff see them; for the contact's own
    customer token, as the customer sees them (internal fields left out, sent quotes only);
    anyone else 403. The gateway composes it with the other services' parts."""
    return json_response(service.export_contact(session, contact_id, principal))
