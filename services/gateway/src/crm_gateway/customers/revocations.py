"""Revoking customer tokens before they expire: one token (the customer signed out), or every
token of a contact issued until now (signed out everywhere: a lost device, a changed password).
A revoked token answers 401 from the next request on, at every gateway instance (the check reads
the database: customer requests are few, and the lookup is one indexed row)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, or_
from sqlmodel import Session, col, select

from crm_common.auth import Principal
from crm_common.db import transaction, utcnow
from crm_gateway.config import GatewaySettings
from crm_gateway.customers import tokens
from crm_gateway.customers.models import CustomerTokenRevocation
from crm_gateway.customers.schemas import CustomerTokenRevocationRequest
from crm_gateway.keys.errors import InvalidApiKey


def revoke(
    session: Session,
    data: CustomerTokenRevocationRequest,
    caller: Principal,
    settings: GatewaySettings,
) -> None:
    """Record the revocation `data` asks for. A token that is no longer valid (expired, or not
    one of this gateway's) needs none: nothing is recorded, and the answer is the same (RFC 7009)."""
    now = utcnow()
    session.exec(
        delete(CustomerTokenRevocation).where(col(CustomerTokenRevocation.expires_at) < now)
    )
    if data.contact_id is not None:
        ttl = timedelta(seconds=settings.customer_token_ttl_seconds)
        session.add(
            CustomerTokenRevocation(
                contact_id=data.contact_id,
                not_before=now,
                expires_at=now + ttl + timedelta(seconds=1),
                revoked_by=caller.id,
            )
        )
        return
    assert data.token is not None  # the schema asks for one of the two
    try:
        claims = tokens.claims_of(data.token, settings.customer_token_secret or "")
    except InvalidApiKey:
        return
    session.add(
        CustomerTokenRevocation(
            contact_id=claims.contact_id,
            jti=claims.jti,
            expires_at=datetime.fromtimestamp(claims.expires_at, UTC),
            revoked_by=caller.id,
        )
    )


def is_revoked(engine: Engine, claims: tokens.Claims) -> bool:
    """Whether `claims`' token, or every token of its contact issued when it was, is revoked.
    Issue times are whole seconds: a token issued in the second of a contact-wide revocation is
    refused too."""
    issued = datetime.fromtimestamp(claims.issued_at, UTC)
    stmt = select(CustomerTokenRevocation.id).where(
        col(CustomerTokenRevocation.contact_id) == claims.contact_id,
        or_(
            col(CustomerTokenRevocation.jti) == claims.jti,
            col(CustomerTokenRevocation.not_before) >= issued,
        ),
    )
    with transaction(engine, write=False) as session:
        return session.exec(stmt.limit(1)).first() is not None


def refuse_revoked(engine: Engine, claims: tokens.Claims) -> None:
    if is_revoked(engine, claims):
        raise InvalidApiKey("The customer token has been revoked; obtain a new one.")
