"""Rate limits per caller: a token bucket per API key (or customer, or anonymous client address).

A bucket holds `limit` tokens (a minute's worth) and refills at `limit / 60` a second; a request
takes one, and one that finds the bucket empty is refused with 429 and `Retry-After`. Buckets live
in the gateway process: with several gateway instances each enforces the limit on its own share.
Answers carry `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds until the
bucket is full again) and `RateLimit-Policy` (IETF draft-ietf-httpapi-ratelimit-headers).
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm_common.errors import DomainError

WINDOW_SECONDS = 60.0
MAX_BUCKETS = 100_000
STATE_KEY = "ratelimit_headers"


@dataclass
class Bucket:
    limit: int
    tokens: float
    updated: float


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    retry_after_seconds: int

    def headers(self) -> dict[str, str]:
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
            "RateLimit-Policy": f"{self.limit};w={int(WINDOW_SECONDS)}",
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after_seconds)
        return headers


class RateLimited(DomainError):
    status, code, title = 429, "rate-limited", "Too many requests"

    def __init__(self, detail: str, verdict: Verdict) -> None:
        super().__init__(detail)
        self.verdict = verdict

    def headers(self) -> dict[str, str]:
        return self.verdict.headers()


class RateLimiter:
    """Token buckets by caller key. `clock` is injectable for tests of the arithmetic."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._buckets: dict[str, Bucket] = {}

    def take(self, key: str, limit: int) -> Verdict:
        """Take a token from `key`'s bucket of `limit` a minute."""
        now = self.clock()
        rate = limit / WINDOW_SECONDS
        bucket = self._buckets.get(key)
        if bucket is None or bucket.limit != limit:
            if len(self._buckets) >= MAX_BUCKETS:
                self._forget_full(now)
            bucket = Bucket(limit, float(limit), now)
            self._buckets[key] = bucket
        else:
            bucket.tokens = min(float(limit), bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
        allowed = bucket.tokens >= 1.0
        if allowed:
            bucket.tokens -= 1.0
        missing = limit - bucket.tokens
        return Verdict(
            allowed=allowed,
            limit=limit,
            remaining=int(bucket.tokens),
            reset_seconds=math.ceil(missing / rate) if missing > 0 else 0,
            retry_after_seconds=0 if allowed else max(1, math.ceil((1.0 - bucket.tokens) / rate)),
        )

    def _forget_full(self, now: float) -> None:
        """Drop the buckets that have refilled (they hold no information), or all of them."""
        full = [
            key
            for key, b in self._buckets.items()
            if b.tokens + (now - b.updated) * b.limit / WINDOW_SECONDS >= b.limit
        ]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= MAX_BUCKETS:
            self._buckets.clear()


class RateLimitHeaders:
    """Adds the rate-limit headers a request's check left in its scope to the answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                state = scope.get("state") or {}
                verdict: Verdict | None = state.get(STATE_KEY)
                if verdict is not None:
                    headers = list(message.get("headers", []))
                    names = {name.lower() for name, _ in headers}
                    for name, value in verdict.headers().items():
                        raw = name.lower().encode("latin-1")
                        if raw not in names:
                            headers.append((raw, value.encode("latin-1")))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
