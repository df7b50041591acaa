"""`POST /v1/auth/customer-tokens`: the website obtains a token for a customer it signed in, and
revokes it (or every token of the customer) when the customer signs out."""

from fastapi import APIRouter, Request, Response

from crm_common.db import ServiceRoute, SessionDep
from crm_common.openapi import problem_responses
from crm_gateway.auth import CallerDep
from crm_gateway.config import GatewaySettings
from crm_gateway.customers import revocations, service
from crm_gateway.customers.schemas import (
    CustomerToken,
    CustomerTokenRequest,
    CustomerTokenRevocationRequest,
)

router = APIRouter(prefix="/v1/auth", tags=["customers"], route_class=ServiceRoute)
problems = problem_responses(
    {
        400: "Malformed JSON",
        404: "No such contact",
        410: "The contact was merged (`survivor_id`) or erased (`erased_at`)",
        422: "Validation failed",
        503: "The contacts service is unavailable",
    }
)


@router.post(
    "/customer-tokens",
    status_code=201,
    response_model=CustomerToken,
    responses=problems(400, 404, 410, 422, 503),
)
async def create_customer_token(
    body: CustomerTokenRequest, caller: CallerDep, request: Request
) -> CustomerToken:
    """A short-lived bearer token scoped to one contact: with it the website acts for that
    customer on `/v1/me...` (their profile, consents, orders, loyalty, export, erasure) only."""
    return await service.issue_token(
        request.app.state.forwarder, request.app.state.settings, caller, body.contact_id
    )


@router.post("/customer-tokens/revocations", status_code=204, responses=problems(400, 422))
def revoke_customer_tokens(
    body: CustomerTokenRevocationRequest, caller: CallerDep, session: SessionDep, request: Request
) -> Response:
    """Revoke a customer token (`token`: the customer signed out) or every token of a contact
    issued until now (`contact_id`: signed out everywhere); they answer 401 from the next request
    on. A token that is no longer valid needs no revocation: the answer is the same (RFC 7009)."""
    settings: GatewaySettings = request.app.state.settings
    revocations.revoke(session, body, caller, settings)
    return Response(status_code=204)
