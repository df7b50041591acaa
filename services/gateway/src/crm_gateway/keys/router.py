"""`/v1/api-keys`: issue, list, read and revoke API keys (admins only, per the route table)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from crm_common.db import ServiceRoute, SessionDep
from crm_common.http import Idempotency, IdempotencyKeyHeader
from crm_common.openapi import problem_responses
from crm_common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from crm_gateway.auth import CallerDep, KeyRing
from crm_gateway.db import IdempotencyRecord
from crm_gateway.keys import service
from crm_gateway.keys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead

router = APIRouter(prefix="/v1/api-keys", tags=["api-keys"], route_class=ServiceRoute)

_DESCRIPTIONS = {
    400: "Malformed JSON",
    404: "No such API key",
    409: "Conflict",
    422: "Validation failed",
}
problems = problem_responses(_DESCRIPTIONS)


async def idempotency(
    request: Request,
    session: SessionDep,
    principal: CallerDep,
    key: IdempotencyKeyHeader = None,
) -> Idempotency:
    """crm_common's Idempotency, keyed by the API key that authenticated at the gateway."""
    return Idempotency(session, IdempotencyRecord, key, principal, request.method, request.url.path)


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]


def _json(model: ApiKeyRead, status_code: int, headers: dict[str, str]) -> Response:
    return Response(
        model.model_dump_json(),
        status_code=status_code,
        headers=headers,
        media_type="application/json",
    )


@router.post(
    "",
    status_code=201,
    response_model=ApiKeyCreated,
    responses={
        201: {
            "headers": {"Location": {"description": "The new key", "schema": {"type": "string"}}}
        },
        **problems(400, 409, 422),
    },
)
def create_api_key(
    body: ApiKeyCreate,
    request: Request,
    _principal: CallerDep,
    session: SessionDep,
    guard: IdempotencyDep,
) -> Response:
    """Issue an API key with roles; its secret `key` is in this answer only, never again."""
    secret: str = request.app.state.settings.internal_secret
    replayed = guard.replay(body)
    if replayed is not None:
        return service.unsealed_replay(replayed, secret)
    created = service.create_key(session, body)
    headers = {"Location": f"/v1/api-keys/{created.id}"}
    guard.respond(201, service.sealed_for_replay(created, secret), headers)
    return _json(created, 201, headers)


@router.get("", response_model=Page[ApiKeyRead], responses=problems(422))
def list_api_keys(
    _principal: CallerDep,
    session: SessionDep,
    include_revoked: Annotated[
        bool, Query(description="Also list revoked keys (they are kept for the record)")
    ] = False,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[ApiKeyRead]:
    """List API keys, oldest first (never their secrets)."""
    items, next_cursor = service.list_keys(
        session, include_revoked=include_revoked, limit=limit, cursor=cursor
    )
    return Page[ApiKeyRead](items=items, next_cursor=next_cursor)


@router.get("/{key_id}", response_model=ApiKeyRead, responses=problems(404, 422))
def get_api_key(key_id: uuid.UUID, _principal: CallerDep, session: SessionDep) -> ApiKeyRead:
    """Read one API key (never its secret)."""
    return service.get_key(session, key_id)


@router.delete("/{key_id}", status_code=204, responses=problems(404, 422))
def revoke_api_key(
    key_id: uuid.UUID, request: Request, _principal: CallerDep, session: SessionDep
) -> Response:
    """Revoke an API key: it is refused from the next request on (revoking twice is a no-op)."""
    digest = service.revoke_key(session, key_id)
    ring: KeyRing = request.app.state.keyring
    ring.forget(digest)
    return Response(status_code=204)
