"""`POST /v1/auth/customer-tokens`: the website obtains a token for a customer it signed in."""

from fastapi import APIRouter, Request

from crm_common.openapi import problem_responses
from crm_gateway.auth import CallerDep
from crm_gateway.customers import service
from crm_gateway.customers.schemas import CustomerToken, CustomerTokenRequest

router = APIRouter(prefix="/v1/auth", tags=["customers"])
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
