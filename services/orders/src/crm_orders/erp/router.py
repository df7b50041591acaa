"""HTTP route of the ERP integration."""

import uuid

from fastapi import APIRouter, Response

from crm_common.db import ServiceRoute, SessionDep
from crm_common.http import etag, json_response
from crm_common.openapi import etag_header
from crm_orders.commerce import ErpCaller, problems
from crm_orders.erp import service
from crm_orders.erp.schemas import ErpStatusReport
from crm_orders.orders.schemas import OrderRead

router = APIRouter(prefix="/v1/integrations/erp", tags=["erp"], route_class=ServiceRoute)


@router.post(
    "/orders/{order_id}/status",
    response_model=OrderRead,
    responses={200: {"headers": etag_header()}, **problems(400, 404, 409, 422)},
)
def report_status(
    order_id: uuid.UUID, body: ErpStatusReport, principal: ErpCaller, session: SessionDep
) -> Response:
    """The ERP reports an order's progress (idempotent by erp_event_id; 409 when out of order or
    not allowed in the current state, with that state in the problem)."""
    read = service.apply_report(session, order_id, body, principal)
    return json_response(read, headers={"ETag": etag(read.version)})
