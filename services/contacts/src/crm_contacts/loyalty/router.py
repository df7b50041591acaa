"""HTTP routes of the loyalty programme, contacts' accounts, and a customer's own account."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from crm_common.auth import CustomerDep, Principal, require_roles
from crm_common.db import ServiceRoute, SessionDep
from crm_common.http import IfMatchHeader, etag, json_response
from crm_common.openapi import etag_header, problem_responses
from crm_common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from crm_contacts.deps import ContactsCaller, IdempotencyDep, RowScopeDep, StaffCaller
from crm_contacts.loyalty import service
from crm_contacts.loyalty.schemas import (
    AccountRead,
    AdjustmentCreate,
    CustomerEntryRead,
    EntryRead,
    MyLoyaltyRead,
    ProgrammeRead,
    ProgrammeUpdate,
    RedemptionCreate,
)

router = APIRouter(tags=["loyalty"], route_class=ServiceRoute)

AdminCaller = Annotated[Principal, Depends(require_roles("admin"))]
AdjustingCaller = Annotated[Principal, Depends(require_roles("admin", "manager"))]

problems = problem_responses(
    {
        400: "Malformed JSON",
        403: "Only a customer token reaches its own account",
        404: "Not found",
        409: "Not enough points (`balance` and `requested` say how many), or a concurrent change",
        410: "Merged into another contact (`survivor_id` names it), or erased (`erased_at`)",
        412: "The If-Match ETag is stale",
        422: "Validation failed",
    }
)


async def latest_entries(request: Request) -> int:
    """How many entries a customer's own account shows (async: no thread hop)."""
    return int(request.app.state.settings.loyalty_latest_entries)


LatestEntries = Annotated[int, Depends(latest_entries)]


@router.get(
    "/v1/loyalty/programme",
    response_model=ProgrammeRead,
    responses={200: {"headers": etag_header()}},
)
def get_programme(_principal: StaffCaller, session: SessionDep) -> Response:
    """The programme: earn rates per currency, tiers, and the expiry of earned points."""
    read = service.get_programme(session)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.put(
    "/v1/loyalty/programme",
    response_model=ProgrammeRead,
    responses={200: {"headers": etag_header()}, **problems(400, 409, 412, 422)},
)
def update_programme(
    body: ProgrammeUpdate,
    _principal: AdminCaller,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Replace the programme (admins; honours If-Match). Earned points keep their expiry."""
    read = service.update_programme(session, body, if_match)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.get(
    "/v1/contacts/{contact_id}/loyalty",
    response_model=AccountRead,
    responses=problems(404, 410),
)
def get_account(
    contact_id: uuid.UUID, _principal: ContactsCaller, session: SessionDep, scope: RowScopeDep
) -> AccountRead:
    """A contact's balance, tier, next tier and the points that expire soonest."""
    return service.get_account(session, contact_id, scope)


@router.get(
    "/v1/contacts/{contact_id}/loyalty/entries",
    response_model=Page[EntryRead],
    responses=problems(404, 410, 422),
)
def list_entries(
    contact_id: uuid.UUID,
    _principal: ContactsCaller,
    session: SessionDep,
    scope: RowScopeDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[EntryRead]:
    """A contact's ledger of earn, redeem, adjust and expire entries, newest first."""
    items, next_cursor = service.list_entries(session, contact_id, limit, cursor, scope)
    return Page[EntryRead](items=items, next_cursor=next_cursor)


@router.post(
    "/v1/contacts/{contact_id}/loyalty/redemptions",
    status_code=201,
    response_model=EntryRead,
    responses=problems(400, 404, 409, 410, 422),
)
def redeem(
    contact_id: uuid.UUID,
    body: RedemptionCreate,
    _principal: ContactsCaller,
    session: SessionDep,
    scope: RowScopeDep,
    idempotency: IdempotencyDep,
) -> Response:
    """Spend a contact's points, oldest first; 409 beyond the balance (retry-safe with
    Idempotency-Key)."""
    replayed = idempotency.replay(body)
    if replayed is not None:
        return replayed
    return idempotency.respond(201, service.redeem(session, contact_id, body, scope), {})


@router.post(
    "/v1/contacts/{contact_id}/loyalty/adjustments",
    status_code=201,
    response_model=EntryRead,
    responses=problems(400, 404, 409, 410, 422),
)
def adjust(
    contact_id: uuid.UUID,
    body: AdjustmentCreate,
    _principal: AdjustingCaller,
    session: SessionDep,
    scope: RowScopeDep,
    idempotency: IdempotencyDep,
) -> Response:
    """Add points to a contact's account, or take some (never below zero), with a reason (admins
    and managers; retry-safe with Idempotency-Key)."""
    replayed = idempotency.replay(body)
    if replayed is not None:
        return replayed
    return idempotency.respond(201, service.adjust(session, contact_id, body, scope), {})


@router.get("/v1/me/loyalty", response_model=MyLoyaltyRead, responses=problems(403, 404, 410))
def my_loyalty(principal: CustomerDep, session: SessionDep, latest: LatestEntries) -> MyLoyaltyRead:
    """The customer's own balance, tier and points expiring soonest, with the latest entries."""
    return service.my_loyalty(session, principal, latest)


@router.post(
    "/v1/me/loyalty/redemptions",
    status_code=201,
    response_model=CustomerEntryRead,
    responses=problems(400, 403, 404, 409, 410, 422),
)
def redeem_own(
    body: RedemptionCreate,
    principal: CustomerDep,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Response:
    """The customer spends their own points; 409 beyond the balance (retry-safe with
    Idempotency-Key)."""
    replayed = idempotency.replay(body)
    if replayed is not None:
        return replayed
    return idempotency.respond(201, service.redeem_own(session, principal, body), {})
