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

from crm_common.auth import Principal
from crm_common.db import transaction, utcnow
from crm_common.errors import Forbidden, NotFound, Unauthorized
from crm_gateway.keys import repository
from crm_gateway.keys.errors import InvalidApiKey
from crm_gateway.keys.tokens import MAX_KEY_LENGTH, hash_key
from crm_gateway.proxy.routes import Route, match

log = logging.getLogger("crm.gateway.auth")

TOUCH_EVERY_SECONDS = 60.0

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="BearerAuth",
    description="An API key, sent as `Authorization: Bearer rk_...`.",
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
    expires: float


class KeyRing:
    """Recognises API keys by their hash.

    Known keys are cached for `cache_seconds`, so most requests never touch the database. A key
    revoked through this gateway is forgotten at once and refused from then on, also by a request
    that read the key while the revocation was still being committed; other gateway instances
    refuse it when their cache entry expires.
    """

    def __init__(self, engine: Engine, cache_seconds: float) -> None:
        self.engine, self.cache_seconds = engine, cache_seconds
        self._cache: dict[str, _Known] = {}
        self._revoked: dict[str, float] = {}
        self._touched: dict[str, float] = {}

    async def authenticate(self, authorization: str | None) -> Principal:
        """The principal of the Bearer key in `authorization`; 401 when missing, unknown, revoked."""
        digest = hash_key(bearer_key(authorization))
        now = time.monotonic()
        known = self._cache.get(digest)
        if known is None or known.expires <= now:
            principal = await run_in_threadpool(self._load, digest)
            known = _Known(principal, now + self.cache_seconds)
            self._cache[digest] = known
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

    def _load(self, digest: str) -> Principal:
        with transaction(self.engine, write=False) as session:
            key = repository.get_by_hash(session, digest)
            if key is None or key.revoked_at is not None:
                raise InvalidApiKey("The API key is unknown or revoked.")
            agent = None if key.agent_id is None else str(key.agent_id)
            return Principal(id=str(key.id), roles=frozenset(key.roles), agent_id=agent)

    def _touch(self, key_id: str) -> None:
        """Record the key's last use; at most once a minute per key, and never failing a request."""
        try:
            with transaction(self.engine) as session:
                repository.touch(session, uuid.UUID(key_id), utcnow())
        except SQLAlchemyError as exc:
            log.warning("could not record the last use of key %s: %s", key_id, exc)


async def authorized_caller(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
) -> Principal:
    """The caller of one of the gateway's own routes, allowed by the route table for its path."""
    ring: KeyRing = request.app.state.keyring
    principal = await ring.authenticate(request.headers.get("authorization"))
    route = match(request.url.path)
    if route is None:  # pragma: no cover - every own route is in the table
        raise NotFound(f"No API at {request.url.path}.")
    authorize(principal, route, request.method, request.url.path)
    request.state.principal = principal
    return principal


CallerDep = Annotated[Principal, Depends(authorized_caller)]
