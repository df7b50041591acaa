"""Issuing, listing, revoking API keys, and registering the bootstrap admin key."""

import json
import logging
import uuid
from typing import Literal

from fastapi import Response
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from crm_common.db import transaction, utcnow
from crm_gateway.keys import repository, tokens
from crm_gateway.keys.errors import ApiKeyNotFound, SecretNoLongerShown
from crm_gateway.keys.models import ApiKey
from crm_gateway.keys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from crm_gateway.webhooks import service as webhooks

log = logging.getLogger("crm.gateway.keys")

BOOTSTRAP_NAME = "bootstrap admin"
BootstrapOutcome = Literal["created", "present", "revoked"]


def to_read(key: ApiKey) -> ApiKeyRead:
    return ApiKeyRead.model_validate(key, from_attributes=True)


def create_key(session: Session, data: ApiKeyCreate) -> ApiKeyCreated:
    """Store a new key (its hash only) and return it with the secret, which is not kept."""
    secret = tokens.new_key()
    key = ApiKey(
        name=data.name,
        description=data.description,
        roles=list(data.roles),
        agent_id=data.agent_id,
        team=data.team,
        rate_limit_per_minute=data.rate_limit_per_minute,
        key_hash=tokens.hash_key(secret),
        prefix=tokens.prefix_of(secret),
    )
    session.add(key)
    return ApiKeyCreated(**to_read(key).model_dump(), key=secret)


def sealed_for_replay(created: ApiKeyCreated, internal_secret: str) -> ApiKeyCreated:
    """The answer as the idempotency record keeps it: the secret sealed, never in plain text."""
    return created.model_copy(update={"key": tokens.seal(created.key, created.id, internal_secret)})


def unsealed_replay(replayed: Response, internal_secret: str) -> Response:
    """A replayed creation answer with its secret opened again."""
    body = json.loads(bytes(replayed.body))
    try:
        body["key"] = tokens.unseal(body["key"], uuid.UUID(body["id"]), internal_secret)
    except ValueError as exc:
        raise SecretNoLongerShown(
            f"API key {body['id']} was issued for this Idempotency-Key, but its secret can no "
            "longer be shown; revoke it and issue another.",
            key_id=body["id"],
        ) from exc
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


def list_keys(
    session: Session, *, include_revoked: bool, limit: int, cursor: str | None
) -> tuple[list[ApiKeyRead], str | None]:
    rows, next_cursor = repository.list_page(
        session, include_revoked=include_revoked, limit=limit, cursor=cursor
    )
    return [to_read(row) for row in rows], next_cursor


def get_key(session: Session, key_id: uuid.UUID) -> ApiKeyRead:
    key = repository.get(session, key_id)
    if key is None:
        raise ApiKeyNotFound(f"There is no API key {key_id}.")
    return to_read(key)


def revoke_key(session: Session, key_id: uuid.UUID) -> str:
    """Revoke the key (again is a no-op) and disable the webhook subscriptions it created; returns
    its hash so that caches can forget it."""
    key = repository.get(session, key_id)
    if key is None:
        raise ApiKeyNotFound(f"There is no API key {key_id}.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(key)
        disabled = webhooks.disable_owned_by(session, str(key.id))
        if disabled:
            log.info("key %s revoked: %d webhook subscription(s) disabled", key.id, disabled)
    return key.key_hash


def register_bootstrap_key(engine: Engine, secret: str) -> BootstrapOutcome:
    """Register `secret` as an admin key unless it is known already (idempotent across restarts).

    A bootstrap key that an admin revoked stays revoked: restarting does not bring it back.
    """
    digest = tokens.hash_key(secret)
    try:
        with transaction(engine) as session:
            existing = repository.get_by_hash(session, digest)
            if existing is None:
                session.add(
                    ApiKey(
                        name=BOOTSTRAP_NAME,
                        description="Registered at start from CRM_BOOTSTRAP_API_KEY",
                        roles=["admin"],
                        key_hash=digest,
                        prefix=tokens.prefix_of(secret),
                    )
                )
                outcome: BootstrapOutcome = "created"
            else:
                outcome = "present" if existing.revoked_at is None else "revoked"
    except IntegrityError:
        # Another gateway instance registered it at the same moment.
        outcome = "present"
    if outcome == "revoked":
        log.warning("the CRM_BOOTSTRAP_API_KEY key was revoked; it stays revoked")
    else:
        log.info("bootstrap admin key %s", outcome)
    return outcome
