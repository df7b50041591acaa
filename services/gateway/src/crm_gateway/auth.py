"""Who is calling the gateway: the Bearer API key, recognised through a short in-process cache."""

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from crm_common.auth import PUBLIC_ROLE, Principal
from crm_common.db import transaction, utcnow
from crm_common.errors import Forbidden, NotFound, Unauthorized
from crm_gateway.config import GatewaySettings
from crm_gateway.customers import revocations
from crm_gateway.customers import tokens as customer_tokens
from crm_gateway.keys import repository
from crm_gateway.keys.errors import InvalidApiKey
from crm_gateway.keys.tokens import MAX_KEY_LENGTH, hash_key
from crm_gateway.limits import STATE_KEY, RateLimited, RateLimiter
from crm_gateway.proxy.routes import READS, Route, match

log = logging.getLogger("crm.gateway.auth")

TOUCH_EVERY_SECONDS = 60.0

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="BearerAuth",
    description="An API key, sent as `Authorization: Bearer rk_...`, or a customer token "
    "(`rc_...`, from `POST /v1/auth/customer-tokens`) for `/v1/me...`.",
)


def bearer_key(authorization: str | None) -> str:
    """The key of an `Authorization: Bearer <key>` header; 401 when absent or malformed."""
    if not authorization:
        raise Unauthorized("Send an API key as `Authorization: Bearer <key>`.")
    scheme, _, key = authorization.partition(" ")
    key = key.strip()
    if (
        scheme.lower() != "bearer"
        or not key
        or len(key) > MAX_KEY_LENGTH
        or any(c.isspace() for c in key)
    ):
        raise InvalidApiKey("The Authorization header must be `Bearer <key>`.")
    return key


def authorize(principal: Principal, route: Route, method: str, path: str) -> None:
    """403 unless the caller holds one of the roles the route table allows for the method and path."""
    allowed = route.roles_for(method, path)
    if not principal.has_any(allowed):
        # Where the roles depend on the method (and path), the answer names both.
        where = f"{method} {path}" if route.grants else route.prefix
        raise Forbidden(f"{where} needs one of the roles: {', '.join(sorted(allowed))}.")


@dataclass(frozen=True)
class _Known:
    principal: Principal
    rate_limit: int | None
    expires: float


class KeyRing:
    """Recognises API keys by their hash.

    Known keys are cached for `cache_seconds`, so most requests never touch the database. A key
    revoked through this gateway is forgotten at once and refused from then on, also by a request
    that read the key while the revocation was still being committed; other gateway instances
    refuse it when their cache entry expires.
    """

    def __init__(self, engine: Engine, settings: GatewaySettings) -> None:
        self.engine, self.cache_seconds = engine, settings.key_cache_seconds
        self.customer_secret = settings.customer_token_secret or ""
        self.default_limit = settings.default_rate_limit_per_minute
        self.customer_limit = settings.customer_rate_limit_per_minute
        self._limits: dict[str, int | None] = {}
        self._cache: dict[str, _Known] = {}
        self._revoked: dict[str, float] = {}
        self._touched: dict[str, float] = {}

    async def authenticate(self, authorization: str | None) -> Principal:
        """The principal of the Bearer key (or customer token) in `authorization`; 401 when
        missing, unknown, revoked or expired."""
        bearer = bearer_key(authorization)
        if customer_tokens.is_customer_token(bearer):
            claims = customer_tokens.claims_of(bearer, self.customer_secret)
            await run_in_threadpool(revocations.refuse_revoked, self.engine, claims)
            return claims.principal
        digest = hash_key(bearer)
        now = time.monotonic()
        known = self._cache.get(digest)
        if known is None or known.expires <= now:
            principal, limit = await run_in_threadpool(self._load, digest)
            known = _Known(principal, limit, now + self.cache_seconds)
            self._cache[digest] = known
            self._limits[principal.id] = limit
        if self._revoked.get(digest, 0.0) > now:
            self._cache.pop(digest, None)
            raise InvalidApiKey("The API key has been revoked.")
        if now - self._touched.get(known.principal.id, -TOUCH_EVERY_SECONDS) >= TOUCH_EVERY_SECONDS:
            self._touched[known.principal.id] = now
            await run_in_threadpool(self._touch, known.principal.id)
        return known.principal

    def forget(self, digest: str) -> None:
        """Refuse the key with this hash from now on (it is being revoked)."""
        now = time.monotonic()
        self._revoked = {d: until for d, until in self._revoked.items() if until > now}
        # Long enough for the revocation to be committed and any stale cache entry to expire.
        self._revoked[digest] = now + 2 * self.cache_seconds + 60.0
        self._cache.pop(digest, None)

    def clear(self) -> None:
        """Forget every cached key (after the table was emptied behind the gateway's back)."""
        self._cache.clear()
        self._revoked.clear()
        self._touched.clear()

    def rate_limit_of(self, principal: Principal) -> int | None:
        """Requests a minute `principal` may send (None: unlimited)."""
        if principal.is_customer:
            return self.customer_limit
        own = self._limits.get(principal.id)
        return own if own is not None else self.default_limit

    def _load(self, digest: str) -> tuple[Principal, int | None]:
        with transaction(self.engine, write=False) as session:
            key = repository.get_by_hash(session, digest)
            if key is None or key.revoked_at is not None:
                raise InvalidApiKey("The API key is unknown or revoked.")
            agent = None if key.agent_id is None else str(key.agent_id)
            principal = Principal(
                id=str(key.id), roles=frozenset(key.roles), agent_id=agent, team=key.team
            )
            return principal, key.rate_limit_per_minute

    def _touch(self, key_id: str) -> None:
        """Record the key's last use; at most once a minute per key, and never failing a request."""
        try:
            with transaction(self.engine) as session:
                repository.touch(session, uuid.UUID(key_id), utcnow())
        except SQLAlchemyError as exc:
            log.warning("could not record the last use of key %s: %s", key_id, exc)


async def guard(request: Request, route: Route, path: str) -> Principal:
    """Who is calling `path` of `route`: authenticated (or anonymous on a public route's reads),
    allowed by the route table, and within its rate limit; 401, 403 or 429 otherwise."""
    ring: KeyRing = request.app.state.keyring
    limiter: RateLimiter = request.app.state.limiter
    if route.public and request.method in READS:
        client = request.client.host if request.client else "unknown"
        principal = Principal(id=f"public:{client}", roles=frozenset({PUBLIC_ROLE}))
        limit: int | None = request.app.state.settings.public_rate_limit_per_minute
    else:
        principal = await ring.authenticate(request.headers.get("authorization"))
        authorize(principal, route, request.method, path)
        limit = ring.rate_limit_of(principal)
    if limit is not None:
        verdict = limiter.take(principal.id, limit)
        request.scope.setdefault("state", {})[STATE_KEY] = verdict
        if not verdict.allowed:
            raise RateLimited(
                f"More than {limit} requests a minute; retry in {verdict.retry_after_seconds} s.",
                verdict,
            )
    request.state.principal = principal
    return principal


async def authorized_caller(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
) -> Principal:
    """The caller of one of the gateway's own routes, allowed by the route table for its path."""
    route = match(request.url.path)
    if route is None:  # pragma: no cover - every own route is in the table
        raise NotFound(f"No API at {request.url.path}.")
    return await guard(request, route, request.url.path)


CallerDep = Annotated[Principal, Depends(authorized_caller)]
