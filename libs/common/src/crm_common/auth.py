"""The gateway's signed internal identity, and role checks in every service."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Literal

import jwt
from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, Field

from crm_common.errors import Forbidden, Unauthorized

IDENTITY_HEADER = "X-Rapport-Identity"
ISSUER = "rapport-gateway"
AUDIENCE = "rapport-services"
ALGORITHM = "HS256"

# `publishable`: the key a website embeds in its pages (anyone may read it), good for reporting page
# views and nothing else; `website` is the website's server-side key.
Role = Literal["admin", "manager", "agent", "partner", "website", "erp", "telephony", "publishable"]
ROLES: tuple[str, ...] = (
    "admin",
    "manager",
    "agent",
    "partner",
    "website",
    "erp",
    "telephony",
    "publishable",
)
STAFF_ROLES = frozenset({"admin", "manager", "agent"})
# The role of a customer token (never of an API key): the customer's own data under `/v1/me`.
CUSTOMER_ROLE = "customer"
# The role of an anonymous caller of a public route (`GET /v1/privacy/purposes`).
PUBLIC_ROLE = "public"


class Principal(BaseModel):
    """Who is calling, as the gateway vouches for it."""

    id: str = Field(description="API key id, or customer:<contact id> for a customer token")
    roles: frozenset[str] = frozenset()
    contact_id: str | None = Field(default=None, description="Set only for a customer token")
    agent_id: str | None = Field(
        default=None, description="The agent an `agent` key belongs to, when it is linked to one"
    )
    team: str | None = Field(
        default=None, description="The team a `manager` (or `agent`) key belongs to, when set"
    )

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def is_customer(self) -> bool:
        return self.contact_id is not None and CUSTOMER_ROLE in self.roles

    def has_any(self, roles: frozenset[str] | set[str] | tuple[str, ...]) -> bool:
        return bool(self.roles & frozenset(roles))


def sign_identity(principal: Principal, secret: str, ttl_seconds: int = 60) -> str:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": principal.id,
        "roles": sorted(principal.roles),
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if principal.contact_id is not None:
        claims["cid"] = principal.contact_id
    if principal.agent_id is not None:
        claims["agt"] = principal.agent_id
    if principal.team is not None:
        claims["team"] = principal.team
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


# Verified identities until they expire: the gateway reuses a token for half its lifetime, so most
# requests skip the HMAC and claim checks. Keyed by secret and token; bounded.
_verified: dict[tuple[str, str], tuple[Principal, float]] = {}
_VERIFIED_MAX = 4096


def verify_identity(token: str, secret: str) -> Principal:
    """The principal `token` vouches for; 401 when it is forged, expired or malformed."""
    cached = _verified.get((secret, token))
    if cached is not None and cached[1] > time.time():
        return cached[0]
    principal, expires = _verify(token, secret)
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[(secret, token)] = (principal, expires)
    return principal


def _verify(token: str, secret: str) -> tuple[Principal, float]:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "sub", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("The internal identity has expired.") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("The internal identity is not valid.") from exc
    roles = claims.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise Unauthorized("The internal identity carries malformed roles.")
    cid, agent, team = claims.get("cid"), claims.get("agt"), claims.get("team")
    if agent is not None and not isinstance(agent, str):
        raise Unauthorized("The internal identity carries a malformed agent.")
    if team is not None and not isinstance(team, str):
        raise Unauthorized("The internal identity carries a malformed team.")
    principal = Principal(
        id=str(claims["sub"]),
        roles=frozenset(roles),
        contact_id=cid or None,
        agent_id=agent,
        team=team,
    )
    return principal, float(claims["exp"])


_identity_scheme = APIKeyHeader(
    name=IDENTITY_HEADER,
    scheme_name="InternalIdentity",
    description="Signed identity added by the gateway; services refuse requests without it.",
    auto_error=False,
)


async def current_principal(
    request: Request, token: Annotated[str | None, Security(_identity_scheme)] = None
) -> Principal:
    """The verified caller; 401 when the gateway's identity is missing or invalid.

    Async on purpose: it only computes, so it runs on the event loop without a thread hop.
    """
    if not token:
        raise Unauthorized("This service is reached only through the gateway's signed identity.")
    principal = verify_identity(token, request.app.state.settings.internal_secret)
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets through callers holding any of `roles` and answers 403 otherwise."""
    allowed = frozenset(roles)

    async def check(principal: PrincipalDep) -> Principal:
        if not principal.has_any(allowed):
            raise Forbidden(f"This operation needs one of the roles: {', '.join(sorted(allowed))}.")
        return principal

    return check


async def _customer(principal: PrincipalDep) -> Principal:
    if not principal.is_customer:
        raise Forbidden("This operation needs a customer token (`POST /v1/auth/customer-tokens`).")
    return principal


CustomerDep = Annotated[Principal, Depends(_customer)]
"""The customer of a customer token; 403 for every other caller. `contact_id` is always set."""
