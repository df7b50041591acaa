"""`/v1/webhooks`: partner webhook subscriptions, their delivery log, replays and test pings
(admins and partners, per the route table; a partner sees only the subscriptions it created)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from crm_common.db import ServiceRoute, SessionDep
from crm_common.http import Idempotency, IdempotencyKeyHeader, IfMatchHeader, etag, json_response
from crm_common.openapi import created_headers, etag_header, problem_responses
from crm_common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from crm_gateway.auth import CallerDep
from crm_gateway.config import GatewaySettings
from crm_gateway.db import IdempotencyRecord
from crm_gateway.webhooks import service
from crm_gateway.webhooks.schemas import (
    DeliveryRead,
    DeliveryStatus,
    PingResult,
    ReplayQueued,
    ReplayRequest,
    WebhookCreate,
    WebhookRead,
    WebhookUpdate,
    WebhookWithSecret,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], route_class=ServiceRoute)

problems = problem_responses(
    {
        400: "Malformed JSON",
        404: "No such webhook subscription (or another partner's)",
        409: "Conflict",
        412: "The subscription changed since it was read (If-Match)",
        422: "Validation failed: a bad URL, an unknown event type, a bad date",
    }
)


async def idempotency(
    request: Request,
    session: SessionDep,
    principal: CallerDep,
    key: IdempotencyKeyHeader = None,
) -> Idempotency:
    """crm_common's Idempotency, keyed by the API key that authenticated at the gateway."""
    return Idempotency(session, IdempotencyRecord, key, principal, request.method, request.url.path)


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]


async def gateway_settings(request: Request) -> GatewaySettings:
    settings = request.app.state.settings
    assert isinstance(settings, GatewaySettings)
    return settings


SettingsDep = Annotated[GatewaySettings, Depends(gateway_settings)]


def _with_etag(read: WebhookRead, status_code: int = 200) -> Response:
    return json_response(read, status_code=status_code, headers={"ETag": etag(read.version)})


@router.post(
    "",
    status_code=201,
    response_model=WebhookWithSecret,
    responses={201: created_headers("The new subscription"), **problems(400, 409, 422)},
)
def create_webhook(
    body: WebhookCreate,
    principal: CallerDep,
    session: SessionDep,
    guard: IdempotencyDep,
    settings: SettingsDep,
) -> Response:
    """Subscribe a URL to event types. Each matching event is POSTed as its CloudEvent, signed in
    `X-Rapport-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`; the
    `secret` is in this answer only, never again (retry-safe with Idempotency-Key)."""
    replayed = guard.replay(body)
    if replayed is not None:
        return service.unsealed_replay(replayed, settings.internal_secret)
    created = service.create(session, body, principal, settings)
    headers = {"ETag": etag(created.version), "Location": f"/v1/webhooks/{created.id}"}
    guard.respond(201, service.sealed_for_replay(created, settings.internal_secret), headers)
    return json_response(created, 201, headers)


@router.get("", response_model=Page[WebhookRead], responses=problems(422))
def list_webhooks(
    principal: CallerDep,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[WebhookRead]:
    """List subscriptions, oldest first (a partner's own; every one for an admin), never their
    secrets."""
    items, next_cursor = service.list_subscriptions(session, principal, limit=limit, cursor=cursor)
    return Page[WebhookRead](items=items, next_cursor=next_cursor)


@router.get(
    "/{webhook_id}",
    response_model=WebhookRead,
    responses={200: {"headers": etag_header()}, **problems(404, 422)},
)
def get_webhook(webhook_id: uuid.UUID, principal: CallerDep, session: SessionDep) -> Response:
    """Read one subscription (never its secret), with its status and failures."""
    return _with_etag(service.get(session, webhook_id, principal))


@router.patch(
    "/{webhook_id}",
    response_model=WebhookRead,
    responses={200: {"headers": etag_header()}, **problems(400, 404, 409, 412, 422)},
)
def update_webhook(
    webhook_id: uuid.UUID,
    body: WebhookUpdate,
    principal: CallerDep,
    session: SessionDep,
    settings: SettingsDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Change the URL, types or description, or disable (`enabled: false`) and re-enable
    (`enabled: true`, which forgets past failures) a subscription; honours If-Match. Revoking
    the API key that created a subscription disables it, for good (409 on re-enabling)."""
    return _with_etag(service.update(session, webhook_id, body, principal, if_match, settings))


@router.delete("/{webhook_id}", status_code=204, responses=problems(404, 422))
def delete_webhook(webhook_id: uuid.UUID, principal: CallerDep, session: SessionDep) -> Response:
    """Delete a subscription with its pending deliveries and its delivery log."""
    service.delete(session, webhook_id, principal)
    return Response(status_code=204)


@router.post(
    "/{webhook_id}/rotate-secret",
    response_model=WebhookWithSecret,
    responses={200: {"headers": etag_header()}, **problems(404, 422)},
)
def rotate_webhook_secret(
    webhook_id: uuid.UUID, principal: CallerDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """Issue a new signing secret, shown in this answer only. For 24 hours deliveries carry a
    second `v1=` signature made with the previous secret, so the receiver can switch over."""
    rotated = service.rotate_secret(session, webhook_id, principal, settings)
    return json_response(rotated, headers={"ETag": etag(rotated.version)})


@router.get(
    "/{webhook_id}/deliveries",
    response_model=Page[DeliveryRead],
    responses=problems(404, 422),
)
def list_webhook_deliveries(
    webhook_id: uuid.UUID,
    principal: CallerDep,
    session: SessionDep,
    status: Annotated[
        DeliveryStatus | None, Query(description="Only deliveries in this status")
    ] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[DeliveryRead]:
    """The delivery log, newest first: each delivery's status, next attempt, last response code
    and every attempt (status code or error, duration)."""
    items, next_cursor = service.list_deliveries(
        session, webhook_id, principal, status=status, limit=limit, cursor=cursor
    )
    return Page[DeliveryRead](items=items, next_cursor=next_cursor)


@router.post(
    "/{webhook_id}/replay",
    status_code=202,
    response_model=ReplayQueued,
    responses=problems(400, 404, 422),
)
def replay_webhook(
    webhook_id: uuid.UUID, body: ReplayRequest, principal: CallerDep, session: SessionDep
) -> ReplayQueued:
    """Deliver again every stored event of the subscription's types (or only `event_types` of
    them) that happened from `since` up to `until`; events are kept
    `CRM_GATEWAY_WEBHOOK_RETENTION_DAYS`. Answers how many deliveries were queued."""
    return service.replay(session, webhook_id, body, principal)


@router.post(
    "/{webhook_id}/test",
    response_model=PingResult,
    responses=problems(404, 409, 422),
)
def test_webhook(
    webhook_id: uuid.UUID, principal: CallerDep, request: Request, settings: SettingsDep
) -> PingResult:
    """POST a signed `gateway.webhook.test.v1` CloudEvent to the subscription's URL now and answer
    with the receiver's status (not logged; it never disables the subscription)."""
    return service.ping(request.app.state.engine, webhook_id, principal, settings)
