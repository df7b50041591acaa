"""HTTP mechanisms: ETag/If-Match, Idempotency-Key, and the ASGI middleware every app runs."""

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Header, HTTPException, Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram
from pydantic import BaseModel
from sqlmodel import Field, Session, SQLModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm_common.auth import Principal, PrincipalDep
from crm_common.db import SessionDep, UTCDateTime, utcnow
from crm_common.errors import (
    PROBLEM_MEDIA_TYPE,
    IdempotencyKeyReused,
    PreconditionFailed,
    problem_body,
)
from crm_common.logging import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
log = logging.getLogger("crm.http")

# --- ETag / If-Match -------------------------------------------------------------------------------


def json_response(
    model: BaseModel, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """`model` serialised as its own class, not as the route's response model (so that fields it
    lacks are absent, not null), with field aliases (`if` of a product rule)."""
    return Response(
        model.model_dump_json(by_alias=True),
        status_code=status_code,
        headers=headers,
        media_type="application/json",
    )


def etag(version: int) -> str:
    return f'"{version}"'


IfMatchHeader = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=200,
        description='The ETag last read (e.g. "3"); a stale one is answered with 412.',
    ),
]


def check_if_match(if_match: str | None, version: int) -> None:
    """Raise 412 unless `If-Match` is absent, `*`, or names the current version."""
    if if_match is None:
        return
    current = etag(version)
    for tag in (t.strip() for t in if_match.split(",")):
        if tag == "*" or tag.removeprefix("W/") == current:
            return
    raise PreconditionFailed(
        f"The resource has changed: its current ETag is {current}.", current_etag=current
    )


# --- Idempotency-Key -------------------------------------------------------------------------------

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Retry-safe key: the same key and body returns the first response.",
    ),
]


class IdempotencyRecordBase(SQLModel):
    principal_id: str = Field(primary_key=True, max_length=200)
    key: str = Field(primary_key=True, max_length=200)
    method: str = Field(max_length=10)
    path: str = Field(max_length=500)
    request_hash: str = Field(max_length=64)
    status_code: int
    response_body: str
    response_headers: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def idempotency_table(base: type[SQLModel]) -> type[IdempotencyRecordBase]:
    """The service's `idempotency_keys` table, on the service's own metadata."""

    class IdempotencyRecord(IdempotencyRecordBase, base, table=True):  # type: ignore[misc,valid-type]
        __tablename__ = "idempotency_keys"

    return IdempotencyRecord


class Idempotency:
    """Replays the stored response for a repeated key, or records the new one in the same transaction."""

    def __init__(
        self,
        session: Session,
        model: type[IdempotencyRecordBase],
        key: str | None,
        principal: Principal,
        method: str,
        path: str,
    ) -> None:
        self.session, self.model, self.key = session, model, key
        self.principal_id, self.method, self.path = principal.id, method, path
        self.request_hash = ""

    def replay(self, body: BaseModel | dict[str, Any]) -> Response | None:
        if self.key is None:
            return None
        payload = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
        canonical = json.dumps([self.method, self.path, payload], sort_keys=True, default=str)
        self.request_hash = hashlib.sha256(canonical.encode()).hexdigest()
        record = self.session.get(self.model, (self.principal_id, self.key))
        if record is None:
            return None
        if record.request_hash != self.request_hash:
            raise IdempotencyKeyReused(
                "This Idempotency-Key was used with another request; use a new key."
            )
        headers = json.loads(record.response_headers)
        headers["Idempotent-Replayed"] = "true"
        return Response(
            record.response_body,
            status_code=record.status_code,
            headers=headers,
            media_type="application/json",
        )

    def respond(self, status_code: int, content: BaseModel, headers: dict[str, str]) -> Response:
        body = content.model_dump_json()
        if self.key is not None:
            self.session.add(
                self.model(
                    principal_id=self.principal_id,
                    key=self.key,
                    method=self.method,
                    path=self.path,
                    request_hash=self.request_hash,
                    status_code=status_code,
                    response_body=body,
                    response_headers=json.dumps(headers),
                )
            )
        return Response(
            body, status_code=status_code, headers=headers, media_type="application/json"
        )


def idempotency_dependency(
    model: type[IdempotencyRecordBase],
) -> Callable[..., Awaitable[Idempotency]]:
    async def dependency(
        request: Request,
        session: SessionDep,
        principal: PrincipalDep,
        key: IdempotencyKeyHeader = None,
    ) -> Idempotency:
        return Idempotency(session, model, key, principal, request.method, request.url.path)

    return dependency


# --- ASGI middleware -------------------------------------------------------------------------------


class Metrics:
    """Prometheus metrics of one app, on a registry of its own."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests",
            ["service", "method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency",
            ["service", "method", "route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.service = service


class RequestContextMiddleware:
    """Request id, body-size limit (413), access log and metrics, in one pure ASGI layer."""

    def __init__(self, app: ASGIApp, metrics: Metrics, max_body_bytes: int) -> None:
        self.app, self.metrics, self.max_body_bytes = app, metrics, max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _header(scope, b"x-request-id")
        if not rid or len(rid) > 200 or not rid.isprintable():
            rid = str(uuid.uuid4())
        token = request_id_var.set(rid)
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status_holder = [500]
        response_started = [False]

        declared = _header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(scope, send, rid)
            self._observe(scope, 413, started)
            request_id_var.reset(token)
            return

        received = [0]

        async def limited_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                received[0] += len(message.get("body", b""))
                if received[0] > self.max_body_bytes:
                    raise _BodyTooLarge(self.max_body_bytes)
            return message

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_started[0] = True
                status_holder[0] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_id)
        except _BodyTooLarge:
            if not response_started[0]:
                await self._too_large(scope, send, rid)
            status_holder[0] = 413
        finally:
            self._observe(scope, status_holder[0], started)
            request_id_var.reset(token)

    def _observe(self, scope: Scope, status: int, started: float) -> None:
        elapsed = time.perf_counter() - started
        route = scope.get("route")
        path_template = getattr(route, "path", None) or "unmatched"
        method = scope.get("method", "")
        self.metrics.requests.labels(self.metrics.service, method, path_template, str(status)).inc()
        self.metrics.latency.labels(self.metrics.service, method, path_template).observe(elapsed)
        if log.isEnabledFor(logging.INFO):
            log.info(
                "request",
                extra={
                    "method": method,
                    "path": scope.get("path"),
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                },
            )

    async def _too_large(self, scope: Scope, send: Send, rid: str) -> None:
        body = json.dumps(
            problem_body(
                413,
                "payload-too-large",
                "Payload too large",
                f"The request body exceeds {self.max_body_bytes} bytes.",
                instance=scope.get("path"),
                request_id=rid,
            )
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-request-id", rid.encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _BodyTooLarge(HTTPException):
    """Raised while reading an oversized body; FastAPI passes HTTPException through to the handlers."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body exceeds {limit} bytes.")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None
