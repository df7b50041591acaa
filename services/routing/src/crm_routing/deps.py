"""Route dependencies and response helpers shared by the routers of this service."""

import uuid
from typing import Annotated

from fastapi import Depends, Request

from crm_common.auth import Principal, PrincipalDep, require_roles
from crm_common.errors import Forbidden
from crm_common.http import Idempotency, idempotency_dependency
from crm_common.openapi import problem_responses
from crm_routing.access import RowScope, row_scope
from crm_routing.config import RoutingSettings
from crm_routing.db import IdempotencyRecord

MANAGER_ROLES = ("admin", "manager")
STAFF_ROLES = ("admin", "manager", "agent")
TELEPHONY_ROLES = ("admin", "telephony")
CALL_READER_ROLES = ("admin", "manager", "agent", "telephony")
BEACON_ROLES = ("admin", "manager", "agent", "website")
WEBSITE_ROLES = ("admin", "website", "publishable")

ManagerCaller = Annotated[Principal, Depends(require_roles(*MANAGER_ROLES))]
StaffCaller = Annotated[Principal, Depends(require_roles(*STAFF_ROLES))]
TelephonyCaller = Annotated[Principal, Depends(require_roles(*TELEPHONY_ROLES))]
BeaconCaller = Annotated[Principal, Depends(require_roles(*BEACON_ROLES))]
WebsiteCaller = Annotated[Principal, Depends(require_roles(*WEBSITE_ROLES))]
CallReader = Annotated[Principal, Depends(require_roles(*CALL_READER_ROLES))]
IdempotencyDep = Annotated[Idempotency, Depends(idempotency_dependency(IdempotencyRecord))]


async def service_settings(request: Request) -> RoutingSettings:
    """The app's settings (async: no thread hop)."""
    settings = request.app.state.settings
    assert isinstance(settings, RoutingSettings)
    return settings


SettingsDep = Annotated[RoutingSettings, Depends(service_settings)]


async def record_rows(request: Request, principal: PrincipalDep) -> RowScope:
    """The calls, callbacks, chats and web sessions the caller may see under
    `CRM_ROUTING_ROW_ACCESS` (async: no thread hop)."""
    return row_scope(principal, request.app.state.settings.row_access)


RowScopeDep = Annotated[RowScope, Depends(record_rows)]


def require_own_agent(principal: Principal, agent_id: uuid.UUID) -> None:
    """Admins and managers act for any agent; an agent's key (linked to its agent at the gateway)
    only for its own agent: 403 otherwise."""
    if principal.has_any(MANAGER_ROLES) or principal.agent_id == str(agent_id):
        return
    if principal.agent_id is None:
        raise Forbidden(
            "This key is not linked to an agent: ask an admin for a key with your agent_id."
        )
    raise Forbidden(f"This key belongs to agent {principal.agent_id}; it acts only for that agent.")


_PROBLEM_DESCRIPTIONS = {
    400: "Malformed JSON",
    404: "Not found",
    409: "Conflict (an event out of order, an agent on a call)",
    412: "The If-Match ETag is stale",
    422: "Validation failed",
}
problems = problem_responses(_PROBLEM_DESCRIPTIONS)
