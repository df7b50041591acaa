"""The app factory every service uses: lifespan, middleware, problem+json handlers, health."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from crm_common.db import make_engine, ping
from crm_common.errors import PROBLEM_MEDIA_TYPE, DomainError, FieldError, problem_body
from crm_common.http import Metrics, RequestContextMiddleware
from crm_common.kafka import broker_reachable
from crm_common.logging import configure_logging, current_request_id
from crm_common.settings import ServiceSettings

log = logging.getLogger("crm.app")

HTTP_TITLES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation-error", "Validation failed"),
    429: ("too-many-requests", "Too many requests"),
    502: ("bad-gateway", "Bad gateway"),
    503: ("service-unavailable", "Service unavailable"),
    504: ("gateway-timeout", "Gateway timeout"),
}


class Worker(Protocol):
    """A background loop owned by the app (outbox relay, event consumer)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


def problem_response(
    request: Request,
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = problem_body(
        status,
        code,
        title,
        detail,
        instance=request.url.path,
        request_id=current_request_id(),
        errors=errors,
        **extra,
    )
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def _field_path(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    errors = getattr(exc, "errors", None)
    return problem_response(
        request, exc.status, exc.code, exc.title, exc.detail, errors, exc.headers(), **exc.extra
    )


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    raw = exc.errors()
    if any(e.get("type") == "json_invalid" for e in raw):
        return problem_response(
            request, 400, "malformed-json", "Malformed JSON", "The request body is not valid JSON."
        )
    errors = [
        FieldError(
            field=_field_path(e.get("loc", ())), message=str(e.get("msg")), code=e.get("type")
        )
        for e in raw
    ]
    detail = "; ".join(f"{err.field}: {err.message}" for err in errors[:5])
    return problem_response(request, 422, "validation-error", "Validation failed", detail, errors)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code, title = HTTP_TITLES.get(exc.status_code, ("http-error", "HTTP error"))
    detail = exc.detail if isinstance(exc.detail, str) else title
    return problem_response(request, exc.status_code, code, title, detail, headers=exc.headers)


async def _integrity_error(request: Request, exc: Exception) -> Response:
    log.warning("integrity error: %s", exc)
    return problem_response(
        request,
        409,
        "conflict",
        "Conflict",
        "The change conflicts with another one made at the same time; retry it.",
    )


async def _operational_error(request: Request, exc: Exception) -> Response:
    log.error("database unavailable: %s", exc)
    return problem_response(
        request,
        503,
        "service-unavailable",
        "Service unavailable",
        "The database is unavailable; retry later.",
        headers={"Retry-After": "1"},
    )


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error", exc_info=exc)
    return problem_response(
        request, 500, "internal-error", "Internal server error", "An unexpected error occurred."
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(OperationalError, _operational_error)
    app.add_exception_handler(Exception, _unexpected_error)


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    engine: Engine | None = None,
    workers: Callable[[FastAPI], Sequence[Worker]] | None = None,
    version: str = "1.0.0",
    check_broker: bool = True,
    readiness: Callable[[FastAPI], Awaitable[dict[str, str]]] | None = None,
    extra_lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    openapi_url: str | None = "/openapi.json",
) -> FastAPI:
    """A service app: engine and workers live as long as the app; every error is problem+json.

    `readiness` adds checks to /readyz (each value "ok" or a reason); `extra_lifespan` wraps the
    app's lifetime after the engine exists (the gateway's HTTP client and bootstrap key).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service_name, settings.log_level)
        if getattr(app.state, "engine", None) is None:
            app.state.engine = make_engine(settings.database_url)
        running = list(workers(app)) if workers else []
        for worker in running:
            worker.start()
        log.info("started", extra={"path": settings.database_url.split("@")[-1]})
        try:
            if extra_lifespan is None:
                yield
            else:
                async with extra_lifespan(app):
                    yield
        finally:
            for worker in reversed(running):
                worker.stop()
            app.state.engine.dispose()

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        openapi_url=openapi_url,
        responses={
            401: {
                "description": "Missing or invalid identity",
                "content": {PROBLEM_MEDIA_TYPE: {}},
            },
            403: {"description": "Role not allowed", "content": {PROBLEM_MEDIA_TYPE: {}}},
            422: {"description": "Validation failed", "content": {PROBLEM_MEDIA_TYPE: {}}},
        },
    )
    app.state.settings = settings
    app.state.engine = engine
    metrics = Metrics(settings.service_name)
    app.state.metrics = metrics
    app.add_middleware(
        RequestContextMiddleware, metrics=metrics, max_body_bytes=settings.max_body_bytes
    )
    install_error_handlers(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "service": settings.service_name}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            await run_in_threadpool(ping, app.state.engine)
            checks["database"] = "ok"
        except Exception as exc:  # readiness reports any failure as unready
            checks["database"] = f"unavailable: {type(exc).__name__}"
        if check_broker:
            reachable = await run_in_threadpool(broker_reachable, settings.kafka_bootstrap_servers)
            checks["broker"] = "ok" if reachable else "unavailable"
        if readiness is not None:
            checks.update(await readiness(app))
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "unready", "checks": checks},
            status_code=200 if ready else 503,
        )

    @app.get("/metrics", include_in_schema=False)
    def metrics_endpoint() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    for router in routers:
        app.include_router(router)
    return app
