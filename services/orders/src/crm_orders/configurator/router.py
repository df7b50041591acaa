"""HTTP route of the configurator."""

from fastapi import APIRouter, Response

from crm_common.db import ServiceRoute, SessionDep
from crm_common.http import json_response
from crm_orders.commerce import ConfiguratorCaller, problems
from crm_orders.configurator import service
from crm_orders.configurator.schemas import ConfigurationCheck, ConfigurationResult

router = APIRouter(prefix="/v1/configurations", tags=["configurator"], route_class=ServiceRoute)


@router.post("/validate", response_model=ConfigurationResult, responses=problems(400, 404, 422))
def validate_configuration(
    body: ConfigurationCheck, principal: ConfiguratorCaller, session: SessionDep
) -> Response:
    """Check a configuration against the product's rules, price it, and suggest valid neighbours."""
    return json_response(service.validate_configuration(session, body))
