"""Forwarding one request to its service with the signed identity, and the service's answer back."""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from fastapi import Request, Response
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask
from starlette.types import Scope

from crm_common.auth import IDENTITY_HEADER, Principal, sign_identity
from crm_common.errors import DomainError, ServiceUnavailable
from crm_common.logging import current_request_id
from crm_gateway.config import GatewaySettings

log = logging.getLogger("crm.gateway.proxy")

Headers = list[tuple[bytes, bytes]]
IdentityKey = tuple[str, frozenset[str], str | None, str | None, str | None]

# RFC 9110 §7.6.1: meaningful for one connection only, never forwarded.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
# The client's identity headers never pass: the gateway alone vouches for who is calling. The rest
# is set again below (Host and Content-Length by httpx, the request id and X-Forwarded-* by us).
DROPPED_REQUEST = HOP_BY_HOP | {
    b"host",
    b"authorization",
    IDENTITY_HEADER.lower().encode(),
    b"x-request-id",
    b"content-length",
    b"expect",
    b"x-forwarded-for",
    b"x-forwarded-proto",
    b"x-forwarded-host",
}
# Date, Server and the request id come from the gateway's own server and middleware.
DROPPED_RESPONSE = HOP_BY_HOP | {
    b"content-length",
    b"date",
    b"server",
    b"x-request-id",
    IDENTITY_HEADER.lower().encode(),
}
NO_BODY_STATUSES = frozenset({204, 304})


class UpstreamUnavailable(ServiceUnavailable):
    status, code, title = 503, "upstream-unavailable", "Service unavailable"

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "1"}


class UpstreamTimeout(DomainError):
    status, code, title = 504, "gateway-timeout", "Gateway timeout"


class BadGateway(DomainError):
    status, code, title = 502, "bad-gateway", "Bad gateway"


@contextmanager
def upstream_errors(service: str) -> Iterator[None]:
    """A failure to reach `service` or to get its answer, as the 502/503/504 problem it means."""
    try:
        yield
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        log.warning("upstream %s unreachable: %r", service, exc)
        raise UpstreamUnavailable(f"The {service} service is unavailable; retry later.") from exc
    except httpx.TimeoutException as exc:
        log.warning("upstream %s timed out: %r", service, exc)
        raise UpstreamTimeout(f"The {service} service did not answer in time.") from exc
    except httpx.TransportError as exc:
        log.warning("upstream %s failed: %r", service, exc)
        raise BadGateway(f"The {service} service gave no valid answer.") from exc


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


class Forwarder:
    """Sends requests to the upstream services over one pooled HTTP client."""

    def __init__(self, client: httpx.AsyncClient, settings: GatewaySettings) -> None:
        self.client = client
        self.bases = {name: httpx.URL(url) for name, url in settings.upstreams.items()}
        self.secret = settings.internal_secret
        self.ttl = settings.internal_token_ttl_seconds
        self.timeout = httpx.Timeout(
            settings.upstream_timeout_seconds, connect=settings.upstream_connect_timeout_seconds
        )
        self._identities: dict[IdentityKey, tuple[bytes, float]] = {}

    def identity(self, principal: Principal) -> bytes:
        """The signed identity of `principal`, reused for half its lifetime (signing costs time)."""
        cache_key = (
            principal.id,
            principal.roles,
            principal.agent_id,
            principal.team,
            principal.contact_id,
        )
        now = time.monotonic()
        cached = self._identities.get(cache_key)
        if cached is not None and cached[1] > now:
            return cached[0]
        token = sign_identity(principal, self.secret, self.ttl).encode("ascii")
        self._identities[cache_key] = (token, now + self.ttl / 2)
        return token

    async def forward(self, request: Request, service: str, principal: Principal) -> Response:
        """The service's answer to `request` (status, headers, body), or a 502/503/504 problem."""
        base = self.bases[service]
        scope = request.scope
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        query = scope.get("query_string") or b""
        target = base.copy_with(
            raw_path=base.raw_path.rstrip(b"/") + raw_path + (b"?" + query if query else b"")
        )
        body = await request.body()
        upstream_request = self.client.build_request(
            scope["method"],
            target,
            headers=self._request_headers(scope, principal),
            content=body,
            timeout=self.timeout,
        )
        with upstream_errors(service):
            answer = await self.client.send(upstream_request, stream=True)

        content_type = answer.headers.get("content-type", "")
        if content_type.startswith("text/event-stream"):
            streamed = StreamingResponse(
                answer.aiter_raw(),
                status_code=answer.status_code,
                background=BackgroundTask(answer.aclose),
            )
            streamed.raw_headers = self._response_headers(answer, None, scope["method"])
            return streamed
        try:
            content = b"".join([chunk async for chunk in answer.aiter_raw()])
        except httpx.TimeoutException as exc:
            log.warning("upstream %s timed out while answering: %r", service, exc)
            raise UpstreamTimeout(f"The {service} service did not answer in time.") from exc
        except httpx.TransportError as exc:
            log.warning("upstream %s broke off its answer: %r", service, exc)
            raise BadGateway(f"The {service} service gave no valid answer.") from exc
        finally:
            await answer.aclose()
        response = Response(content=content, status_code=answer.status_code)
        response.raw_headers = self._response_headers(answer, len(content), scope["method"])
        return response

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        principal: Principal,
        *,
        params: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        """The gateway's own request to a service on behalf of `principal` (composition): the
        whole answer, or UpstreamUnavailable / UpstreamTimeout / BadGateway."""
        headers = {
            IDENTITY_HEADER: self.identity(principal).decode("ascii"),
            "X-Request-ID": current_request_id() or "",
            "Accept": "application/json",
        }
        url = self.bases[service].join(path)
        limit = self.timeout if timeout is None else httpx.Timeout(timeout)
        with upstream_errors(service):
            return await self.client.request(
                method, url, params=params, headers=headers, timeout=limit
            )

    def _request_headers(self, scope: Scope, principal: Principal) -> Headers:
        listed = self._connection_listed(_header(scope, b"connection"))
        headers: Headers = [
            (name, value)
            for name, value in scope["headers"]
            if name not in DROPPED_REQUEST and name not in listed
        ]
        client = scope.get("client")
        peer = (client[0] if client else "unknown").encode("latin-1")
        earlier = _header(scope, b"x-forwarded-for")
        if not earlier:
            headers.append((b"x-forwarded-for", peer))
        elif earlier.rsplit(b",", 1)[-1].strip() == peer:
            # uvicorn took the client from a trusted proxy's X-Forwarded-For: the chain is complete.
            headers.append((b"x-forwarded-for", earlier))
        else:
            headers.append((b"x-forwarded-for", earlier + b", " + peer))
        headers.append((b"x-forwarded-proto", scope.get("scheme", "http").encode("latin-1")))
        host = _header(scope, b"host")
        if host:
            headers.append((b"x-forwarded-host", host))
        if _header(scope, b"accept-encoding") is None:
            # Otherwise httpx would ask for compression the client did not ask for.
            headers.append((b"accept-encoding", b"identity"))
        headers.append((b"x-request-id", (current_request_id() or "").encode("latin-1")))
        headers.append((IDENTITY_HEADER.lower().encode(), self.identity(principal)))
        return headers

    def _response_headers(self, answer: httpx.Response, length: int | None, method: str) -> Headers:
        listed = self._connection_listed(answer.headers.get("connection", "").encode("latin-1"))
        headers: Headers = []
        upstream_length: bytes | None = None
        for raw_name, value in answer.headers.raw:
            name = raw_name.lower()
            if name == b"content-length":
                upstream_length = value
            if name not in DROPPED_RESPONSE and name not in listed:
                headers.append((name, value))
        if answer.status_code in NO_BODY_STATUSES or answer.status_code < 200:
            return headers
        if method == "HEAD" and upstream_length is not None:
            headers.append((b"content-length", upstream_length))
        elif length is not None:
            headers.append((b"content-length", str(length).encode("ascii")))
        return headers

    @staticmethod
    def _connection_listed(connection: bytes | None) -> frozenset[bytes]:
        """Header names that the Connection header declares hop-by-hop."""
        if not connection:
            return frozenset()
        return frozenset(part.strip().lower() for part in connection.split(b",") if part.strip())
