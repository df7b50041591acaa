"""Route dependencies and response helpers shared by the routers of this service."""

from typing import Annotated

from fastapi import Depends, Request

from crm_common.auth import Principal, PrincipalDep, require_roles
from crm_common.http import Idempotency, idempotency_dependency
from crm_common.openapi import problem_responses
from crm_contacts.access import RowScope, row_scope
from crm_contacts.db import IdempotencyRecord

CONTACT_ROLES = ("admin", "manager", "agent", "partner")
STAFF_ROLES = ("admin", "manager", "agent")

ContactsCaller = Annotated[Principal, Depends(require_roles(*CONTACT_ROLES))]
StaffCaller = Annotated[Principal, Depends(require_roles(*STAFF_ROLES))]
IdempotencyDep = Annotated[Idempotency, Depends(idempotency_dependency(IdempotencyRecord))]


async def default_region(request: Request) -> str:
    """The region in which phone numbers without a country code are read (async: no thread hop)."""
    return str(request.app.state.settings.default_region)


RegionDep = Annotated[str, Depends(default_region)]


async def contact_rows(request: Request, principal: PrincipalDep) -> RowScope:
    """The contacts the caller may see under `CRM_CONTACTS_ROW_ACCESS` (async: no thread hop)."""
    return row_scope(principal, request.app.state.settings.row_access)


RowScopeDep = Annotated[RowScope, Depends(contact_rows)]


_PROBLEM_DESCRIPTIONS = {
    400: "Malformed JSON",
    404: "Not found",
    409: "Conflict",
    410: "Merged into another contact (`survivor_id` names it), or erased (`erased_at`)",
    412: "The If-Match ETag is stale",
    422: "Validation failed",
}
problems = problem_responses(_PROBLEM_DESCRIPTIONS)
