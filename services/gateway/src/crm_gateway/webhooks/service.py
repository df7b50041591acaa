"""Rules of webhook subscriptions: who sees which, URLs and types allowed, secrets shown once and
rotated with an overlap, re-enabling, the delivery log, replays and test pings.

A partner sees and manages only the subscriptions its key created (`owner`); an admin sees all.
Another partner's subscription answers 404, as an unknown one does.
"""

import ipaddress
import json
import uuid
from collections.abc import Iterator
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

from fastapi import Response
from sqlalchemy import Engine
from sqlmodel import Session

from crm_common.auth import Principal
from crm_common.db import new_id, transaction, utcnow
from crm_common.events.envelope import CloudEvent
from crm_common.http import check_if_match
from crm_gateway.config import GatewaySettings
from crm_gateway.keys import repository as keys_repository
from crm_gateway.keys import tokens
from crm_gateway.webhooks import delivery, matching, repository, signing
from crm_gateway.webhooks.errors import (
    OwnerRevoked,
    SecretNoLongerShown,
    UrlNotAllowed,
    WebhookNotFound,
    WebhookSecretUnreadable,
)
from crm_gateway.webhooks.models import WebhookDelivery, WebhookSubscription
from crm_gateway.webhooks.schemas import (
    AttemptRead,
    DeliveryRead,
    DeliveryStatus,
    PingResult,
    ReplayQueued,
    ReplayRequest,
    SubscriptionStatus,
    WebhookCreate,
    WebhookRead,
    WebhookUpdate,
    WebhookWithSecret,
)

ADMIN_ROLE = "admin"
# After a rotation the previous secret signs too, so a receiver can switch without losing any.
ROTATION_OVERLAP = timedelta(hours=24)
TEST_EVENT_TYPE = "gateway.webhook.test.v1"
DISABLED_BY_REQUEST = "Disabled by request"
DISABLED_BY_REVOCATION = "Disabled: the API key that created it was revoked"


def to_read(subscription: WebhookSubscription) -> WebhookRead:
    return WebhookRead(
        id=subscription.id,
        url=subscription.url,
        event_types=list(subscription.event_types),
        description=subscription.description,
        status=cast(SubscriptionStatus, subscription.status),
        disabled_reason=subscription.disabled_reason,
        disabled_at=subscription.disabled_at,
        consecutive_failures=subscription.consecutive_failures,
        failing_since=subscription.failing_since,
        previous_secret_expires_at=subscription.previous_secret_expires_at,
        owner=subscription.owner,
        version=subscription.version,
        created_at=subscription.created_at,
        updated_at=subscription.updated_at,
    )


def _visible(
    session: Session, subscription_id: uuid.UUID, principal: Principal, *, for_update: bool = False
) -> WebhookSubscription:
    subscription = repository.get(session, subscription_id, for_update=for_update)
    if subscription is None or not _may_see(principal, subscription):
        raise WebhookNotFound(subscription_id)
    return subscription


def _may_see(principal: Principal, subscription: WebhookSubscription) -> bool:
    return ADMIN_ROLE in principal.roles or subscription.owner == principal.id


def check_url(url: str, settings: GatewaySettings) -> None:
    """Production accepts only https, and no host that names this machine or a private network
    literally (a name that resolves to one is refused at each delivery: `delivery.post`)."""
    if settings.environment != "production":
        return
    parts = urlsplit(url)
    if parts.scheme.lower() != "https":
        raise UrlNotAllowed("must be an https:// URL in production")
    host = (parts.hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        raise UrlNotAllowed("must not name this machine")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return
    if not address.is_global:
        raise UrlNotAllowed("must not be a private, loopback or reserved address")


# --- subscriptions -------------------------------------------------------------------------------


def create(
    session: Session, data: WebhookCreate, principal: Principal, settings: GatewaySettings
) -> WebhookWithSecret:
    """Store a new subscription; its secret is in the answer, and only there."""
    check_url(data.url, settings)
    secret = signing.new_secret()
    subscription = WebhookSubscription(
        owner=principal.id,
        url=data.url,
        event_types=list(data.event_types),
        description=data.description,
        secret_sealed=signing.seal_secret(secret, settings.internal_secret),
    )
    session.add(subscription)
    return WebhookWithSecret(**to_read(subscription).model_dump(), secret=secret)


def sealed_for_replay(created: WebhookWithSecret, internal_secret: str) -> WebhookWithSecret:
    """The answer as the idempotency record keeps it: the secret sealed, never in plain text."""
    sealed = tokens.seal(created.secret, created.id, internal_secret)
    return created.model_copy(update={"secret": sealed})


def unsealed_replay(replayed: Response, internal_secret: str) -> Response:
    """A replayed creation answer with its secret opened again."""
    body = json.loads(bytes(replayed.body))
    try:
        body["secret"] = tokens.unseal(body["secret"], uuid.UUID(body["id"]), internal_secret)
    except ValueError as exc:
        raise SecretNoLongerShown(uuid.UUID(body["id"])) from exc
    headers = {
        name: value
        for name, value in replayed.headers.items()
        if name not in ("content-length", "content-type")
    }
    return Response(
        json.dumps(body),
        status_code=replayed.status_code,
        headers=headers,
        media_type="application/json",
    )


def list_subscriptions(
    session: Session, principal: Principal, *, limit: int, cursor: str | None
) -> tuple[list[WebhookRead], str | None]:
    owner = None if ADMIN_ROLE in principal.roles else principal.id
    rows, next_cursor = repository.list_page(session, owner=owner, limit=limit, cursor=cursor)
    return [to_read(row) for row in rows], next_cursor


def get(session: Session, subscription_id: uuid.UUID, principal: Principal) -> WebhookRead:
    return to_read(_visible(session, subscription_id, principal))


def update(
    session: Session,
    subscription_id: uuid.UUID,
    data: WebhookUpdate,
    principal: Principal,
    if_match: str | None,
    settings: GatewaySettings,
) -> WebhookRead:
    """Change what is sent; `enabled: true` re-enables a subscription and forgets its failures."""
    subscription = _visible(session, subscription_id, principal, for_update=True)
    check_if_match(if_match, subscription.version)
    fields = data.model_fields_set
    if not fields:
        return to_read(subscription)
    now = utcnow()
    if data.url is not None:
        check_url(data.url, settings)
        subscription.url = data.url
    if data.event_types is not None:
        subscription.event_types = list(data.event_types)
    if "description" in fields:
        subscription.description = data.description
    if data.enabled is True and subscription.status != "enabled":
        if _owner_revoked(session, subscription):
            raise OwnerRevoked(subscription.id)
        subscription.status, subscription.disabled_reason, subscription.disabled_at = (
            "enabled",
            None,
            None,
        )
        subscription.consecutive_failures, subscription.failing_since = 0, None
    elif data.enabled is False and subscription.status != "disabled":
        disable(subscription, DISABLED_BY_REQUEST, now)
    subscription.version += 1
    subscription.updated_at = now
    session.add(subscription)
    return to_read(subscription)


def disable(subscription: WebhookSubscription, reason: str, now: datetime) -> None:
    """No more deliveries until re-enabled: new events are not queued for it, pending ones wait."""
    subscription.status = "disabled"
    subscription.disabled_reason = reason
    subscription.disabled_at = now


def disable_owned_by(session: Session, owner: str) -> int:
    """Disable every subscription `owner` created (its key is being revoked): a partner that lost
    its key receives no more events. Returns how many were disabled."""
    now = utcnow()
    subscriptions = repository.enabled_subscriptions_of(session, owner)
    for subscription in subscriptions:
        disable(subscription, DISABLED_BY_REVOCATION, now)
        subscription.version += 1
        subscription.updated_at = now
        session.add(subscription)
    return len(subscriptions)


def _owner_revoked(session: Session, subscription: WebhookSubscription) -> bool:
    try:
        key_id = uuid.UUID(subscription.owner)
    except ValueError:
        return False
    key = keys_repository.get(session, key_id)
    return key is not None and key.revoked_at is not None


def delete(session: Session, subscription_id: uuid.UUID, principal: Principal) -> None:
    """The subscription, its deliveries and their log."""
    _visible(session, subscription_id, principal, for_update=True)
    repository.delete_subscription(session, subscription_id)


def rotate_secret(
    session: Session, subscription_id: uuid.UUID, principal: Principal, settings: GatewaySettings
) -> WebhookWithSecret:
    """A new secret, shown in this answer only; the previous one signs alongside for a day."""
    subscription = _visible(session, subscription_id, principal, for_update=True)
    now = utcnow()
    secret = signing.new_secret()
    subscription.previous_secret_sealed = subscription.secret_sealed
    subscription.previous_secret_expires_at = now + ROTATION_OVERLAP
    subscription.secret_sealed = signing.seal_secret(secret, settings.internal_secret)
    subscription.version += 1
    subscription.updated_at = now
    session.add(subscription)
    return WebhookWithSecret(**to_read(subscription).model_dump(), secret=secret)


def signing_secrets(
    subscription: WebhookSubscription, internal_secret: str, now: datetime
) -> list[str]:
    """The current secret, then the previous one while the rotation overlaps. Raises
    signing.SecretUnreadable when the current one was sealed under another internal secret."""
    found = [signing.open_secret(subscription.secret_sealed, internal_secret)]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret_sealed is not None and expires is not None and expires > now:
        with suppress(signing.SecretUnreadable):  # then the current one signs alone
            found.append(signing.open_secret(subscription.previous_secret_sealed, internal_secret))
    return found


# --- the delivery log and replays ----------------------------------------------------------------


def list_deliveries(
    session: Session,
    subscription_id: uuid.UUID,
    principal: Principal,
    *,
    status: DeliveryStatus | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[DeliveryRead], str | None]:
    """The subscription's deliveries, newest first, each with its attempts."""
    _visible(session, subscription_id, principal)
    rows, next_cursor = repository.deliveries_page(
        session, subscription_id, status=status, limit=limit, cursor=cursor
    )
    attempts = repository.attempts_of(session, [row.id for row in rows])
    return [_delivery_read(row, attempts[row.id]) for row in rows], next_cursor


def _delivery_read(row: WebhookDelivery, attempts: list[Any]) -> DeliveryRead:
    return DeliveryRead(
        id=row.id,
        event_id=row.event_id,
        event_type=row.event_type,
        status=cast(DeliveryStatus, row.status),
        attempt_count=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        finished_at=row.finished_at,
        created_at=row.created_at,
        attempts=[
            AttemptRead(
                number=a.number,
                attempted_at=a.attempted_at,
                status_code=a.status_code,
                error=a.error,
                duration_ms=a.duration_ms,
            )
            for a in attempts
        ],
    )


def delivery_row(
    subscription_id: uuid.UUID, event_id: uuid.UUID, event_type: str, now: datetime
) -> dict[str, Any]:
    """A new pending delivery, due at `now`, as the columns of its row."""
    return {
        "id": new_id(),
        "subscription_id": subscription_id,
        "event_id": event_id,
        "event_type": event_type,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "last_status_code": None,
        "last_error": None,
        "finished_at": None,
        "created_at": now,
    }


def replay(
    session: Session, subscription_id: uuid.UUID, data: ReplayRequest, principal: Principal
) -> ReplayQueued:
    """Queue a delivery of every stored event of the subscription's types (narrowed by
    `event_types`) in `[since, until)`, due now, whether it was delivered before or not. A disabled
    subscription's replay goes out once it is enabled."""
    subscription = _visible(session, subscription_id, principal)
    exact, prefixes = matching.exact_and_prefixes(subscription.event_types)
    found = repository.events_between(session, data.since, data.until, exact, prefixes)
    now = utcnow()

    def rows() -> Iterator[dict[str, Any]]:
        for event_id, event_type in found:
            if data.event_types is None or matching.matches_any(data.event_types, event_type):
                yield delivery_row(subscription.id, event_id, event_type, now)

    queued = repository.add_deliveries(session, rows())
    return ReplayQueued(queued=queued, since=data.since, until=data.until)


# --- test pings ----------------------------------------------------------------------------------


def ping(
    engine: Engine, subscription_id: uuid.UUID, principal: Principal, settings: GatewaySettings
) -> PingResult:
    """POST a `gateway.webhook.test.v1` event, signed as deliveries are, and report the answer.
    It waits on the receiver, so no transaction is open meanwhile; it is not logged and does not
    count towards disabling (a disabled subscription can be tested before it is re-enabled)."""
    now = utcnow()
    with transaction(engine, write=False) as session:
        subscription = _visible(session, subscription_id, principal)
    try:
        secrets = signing_secrets(subscription, settings.internal_secret, now)
    except signing.SecretUnreadable as exc:
        raise WebhookSecretUnreadable(subscription.id) from exc
    event = CloudEvent(
        source="gateway",
        type=TEST_EVENT_TYPE,
        subject=str(subscription.id),
        data={
            "subscription_id": str(subscription.id),
            "message": "A test delivery from Rapport: verify its signature with your secret.",
        },
    )
    with delivery.new_client(settings.webhook_timeout_seconds) as client:
        attempt = delivery.post(
            client,
            subscription.url,
            event.model_dump_json().encode(),
            event_id=str(event.id),
            event_type=event.type,
            signing_secrets=secrets,
            public_only=settings.environment == "production",
        )
    return PingResult(
        event_id=event.id,
        delivered=attempt.verdict == "delivered",
        status_code=attempt.status_code,
        error=attempt.error,
        duration_ms=attempt.duration_ms,
    )
