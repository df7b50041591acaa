"""One POST of a stored event to a partner, and what its answer means. No database here.

Headers: `X-Rapport-Event-Id` (receivers dedupe on it: delivery is at least once),
`X-Rapport-Event-Type`, and `X-Rapport-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<raw body>">` (`crm_common.webhooks`), signed afresh for each attempt. Redirects are not
followed; in production, a host that resolves to an address off the public internet is not
POSTed to (a name can point anywhere, so the check at subscription time is not enough). 2xx is
delivered; 5xx, 408, 429, timeouts and connection failures are retried with
exponential backoff; any other answer fails the delivery at once.
"""

import ipaddress
import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import httpx

from crm_common.webhooks import EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER
from crm_gateway.webhooks.models import ERROR_MAX_LENGTH
from crm_gateway.webhooks.signing import signature

CONTENT_TYPE = "application/cloudevents+json"
RETRIED_STATUSES = frozenset({408, 429})
Verdict = Literal["delivered", "retry", "failed"]


@dataclass(frozen=True)
class Attempt:
    """What one POST came to: the receiver's status, or the error that stood in for one."""

    status_code: int | None
    error: str | None
    duration_ms: float

    @property
    def verdict(self) -> Verdict:
        if self.status_code is None:
            return "retry"  # timeouts, refused or broken connections
        if 200 <= self.status_code < 300:
            return "delivered"
        if self.status_code >= 500 or self.status_code in RETRIED_STATUSES:
            return "retry"
        return "failed"


def new_client(timeout_seconds: float) -> httpx.Client:
    return httpx.Client(
        timeout=timeout_seconds,
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": "rapport-gateway"},
    )


def post(
    client: httpx.Client,
    url: str,
    body: bytes,
    *,
    event_id: str,
    event_type: str,
    signing_secrets: list[str],
    public_only: bool = False,
) -> Attempt:
    """POST `body` to `url`, signed with `signing_secrets`; never raises for the receiver's sake.
    `public_only`: refuse (as a failed attempt, retried) a host that resolves to a private,
    loopback or reserved address."""
    if public_only and (address := private_address(url)) is not None:
        return Attempt(None, f"PrivateAddress: the host resolves to {address}", 0.0)
    headers = {
        "Content-Type": CONTENT_TYPE,
        EVENT_ID_HEADER: event_id,
        EVENT_TYPE_HEADER: event_type,
        SIGNATURE_HEADER: signature(signing_secrets, body, int(time.time())),
    }
    started = time.perf_counter()
    try:
        response = client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:  # timeouts, refused or broken connections, bad URLs
        error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX_LENGTH]
        return Attempt(None, error, _elapsed_ms(started))
    return Attempt(response.status_code, None, _elapsed_ms(started))


def private_address(url: str) -> str | None:
    """The first address `url`'s host resolves to that is not on the public internet, if any (a
    name that does not resolve is left to the POST to report)."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname or "", port, type=socket.SOCK_STREAM)
    except (OSError, ValueError):
        return None
    for *_, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0])
        if not address.is_global:
            return str(address)
    return None


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def backoff_seconds(
    attempt: int,
    base_seconds: float,
    max_seconds: float,
    jitter: Callable[[], float] = random.random,
) -> float:
    """The wait after failed attempt `attempt` (1 for the first): base · 2^(attempt-1), at most
    `max_seconds`, of which the upper half is random ("equal jitter"), so that retries of many
    deliveries that failed together spread out."""
    ceiling: float = min(base_seconds * 2.0 ** min(attempt - 1, 62), max_seconds)
    return ceiling / 2 + ceiling / 2 * jitter()
