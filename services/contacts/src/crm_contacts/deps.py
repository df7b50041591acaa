"""Route dependencies and response helpers shared by the routers of this service."""

from typing import Annotated

from fastapi import Depends, Request

from crm_common.auth import Principal, require_roles
from crm_common.http import Idempotency, idempotency_dependency
from crm_common.openapi import problem_responses
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


_PROBLEM_DESCRIPTIONS = {
    400: "Malformed JSON",
    404: "Not found",
    409: "Conflict",
    410: "Merged into another contact; `survivor_id` names it",
    412: "The If-Match ETag is stale",
    422: "Validation failed",
}
problems = problem_responses(_PROBLEM_DESCRIPTIONS)
