"""Customer tokens: `rc_` and a JWT (HS256) naming one contact, short-lived. Pure, no I/O.

The website obtains one for a customer it has signed in; the token reaches that customer's own
data (`/v1/me...`) and nothing else. It is not stored: it expires, the website may revoke it (or
every token of the contact) before that (`customers/revocations.py`), and an erased or merged
contact is refused by the services.
"""

import time
import uuid
from dataclasses import dataclass

import jwt

from crm_common.auth import CUSTOMER_ROLE, Principal
from crm_gateway.keys.errors import InvalidApiKey

TOKEN_PREFIX = "rc_"  # noqa: S105 - a prefix, not a secret
ISSUER = "rapport-gateway"
AUDIENCE = "rapport-customer"
ALGORITHM = "HS256"


def issue(contact_id: uuid.UUID, issued_by: str, secret: str, ttl_seconds: int) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(contact_id),
        "iat": now,
        "exp": now + ttl_seconds,
        "jti": str(uuid.uuid4()),
        "by": issued_by,
    }
    return TOKEN_PREFIX + jwt.encode(claims, secret, algorithm=ALGORITHM)


def is_customer_token(bearer: str) -> bool:
    return bearer.startswith(TOKEN_PREFIX)


@dataclass(frozen=True)
class Claims:
    """What a valid customer token says: whose it is, its id and when it was issued."""

    contact_id: uuid.UUID
    jti: str
    issued_at: int
    expires_at: int

    @property
    def principal(self) -> Principal:
        return Principal(
            id=f"customer:{self.contact_id}",
            roles=frozenset({CUSTOMER_ROLE}),
            contact_id=str(self.contact_id),
        )


def claims_of(bearer: str, secret: str, *, verify_exp: bool = True) -> Claims:
    """The claims of `bearer`; 401 when it is forged, expired (unless `verify_exp` is off) or
    malformed."""
    try:
        claims = jwt.decode(
            bearer[len(TOKEN_PREFIX) :],
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={
                "require": ["exp", "iat", "jti", "sub", "iss", "aud"],
                "verify_exp": verify_exp,
            },
        )
        return Claims(
            contact_id=uuid.UUID(str(claims["sub"])),
            jti=str(claims["jti"]),
            issued_at=int(claims["iat"]),
            expires_at=int(claims["exp"]),
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidApiKey("The customer token has expired; obtain a new one.") from exc
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise InvalidApiKey("The customer token is not valid.") from exc
