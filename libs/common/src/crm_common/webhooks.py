"""Signatures of outgoing webhooks: `X-Rapport-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`.

The HMAC is over `"<t>.<raw body>"` with the receiver's shared secret, so a receiver checks that the
body is ours and unchanged, and (with the timestamp inside the signed text) that it is recent: a
captured request replayed later fails the tolerance. Several `v1=` values may be present while a
secret is rotated; any one matching is enough.

    header = sign(secret, body, int(time.time()))
    verify(secret, request.headers["X-Rapport-Signature"], raw_body, tolerance_seconds=300)
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Rapport-Signature"
EVENT_ID_HEADER = "X-Rapport-Event-Id"
EVENT_TYPE_HEADER = "X-Rapport-Event-Type"
SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300


def _digest(secret: str, body: bytes, t: int) -> str:
    signed = str(t).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, t: int) -> str:
    """The signature header value of `body` sent at unix time `t`."""
    if not secret:
        raise ValueError("a webhook secret must not be empty")
    return f"t={t},{SCHEME}={_digest(secret, body, t)}"


def verify(
    secret: str,
    header: str | None,
    body: bytes,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """True when `header` signs exactly `body` with `secret` at a time within `tolerance_seconds`
    of `now` (default: the clock). A missing, malformed or stale header is False, never an error."""
    if not secret or not header:
        return False
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            return False
        if key == "t":
            if timestamp is not None or not value.isascii() or not value.isdigit():
                return False
            timestamp = int(value)
        elif key == SCHEME:
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_seconds:
        return False
    expected = _digest(secret, body, timestamp)
    return any(hmac.compare_digest(expected, c) for c in candidates)
