"""The gateway app: `uvicorn --factory crm_gateway.main:create_app --port 8000`."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from crm_common import openapi as openapi_document
from crm_common.app import Worker, create_service_app
from crm_gateway.audit.recorder import AuditRecorder
from crm_gateway.audit.router import router as audit_router
from crm_gateway.auth import KeyRing
from crm_gateway.composition.router import router as composition_router
from crm_gateway.config import GatewaySettings, get_settings
from crm_gateway.customers.router import router as customers_router
from crm_gateway.health import upstream_readiness
from crm_gateway.keys.router import router as keys_router
from crm_gateway.keys.service import register_bootstrap_key
from crm_gateway.limits import RateLimiter, RateLimitHeaders
from crm_gateway.openapi.router import MergedDocument
from crm_gateway.openapi.router import router as openapi_router
from crm_gateway.proxy import router as proxy
from crm_gateway.proxy.forward import Forwarder
from crm_gateway.telephony.consumer import WebhookConsumer
from crm_gateway.webhooks.consumer import WebhookEventsConsumer
from crm_gateway.webhooks.router import router as webhooks_router
from crm_gateway.webhooks.worker import DeliveryWorker

DESCRIPTION = (
    "Rapport's public API. Authenticate every call with `Authorization: Bearer <API key>`; the "
    "key's roles decide which paths it reaches. A website acts for a signed-in customer with a "
    "customer token (`POST /v1/auth/customer-tokens`), which reaches `/v1/me...` only. Each key "
    "has a rate limit (429 with `Retry-After` and `RateLimit-*` headers). Errors are RFC 9457 "
    "problem+json, lists are cursor-paginated, creating POSTs accept `Idempotency-Key`."
)


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """Register the bootstrap key, hold the one pooled client to the services, and keep the
        audit recorder writing until the end."""
        app.state.keyring = KeyRing(app.state.engine, settings)
        app.state.limiter = RateLimiter()
        app.state.audit = AuditRecorder(app.state.engine, settings.audit_flush_seconds)
        app.state.audit.start()
        if settings.bootstrap_api_key is not None:
            await run_in_threadpool(
                register_bootstrap_key, app.state.engine, settings.bootstrap_api_key
            )
        limits = httpx.Limits(
            max_connections=settings.upstream_max_connections,
            max_keepalive_connections=settings.upstream_max_connections,
            # Below uvicorn's 5 s keep-alive, so the pool never reuses a connection being closed.
            keepalive_expiry=4.0,
        )
        try:
            async with httpx.AsyncClient(limits=limits, trust_env=False) as client:
                app.state.http = client
                app.state.forwarder = Forwarder(client, settings)
                yield
        finally:
            await run_in_threadpool(app.state.audit.stop)

    def workers(app: FastAPI) -> Sequence[Worker]:
        """The telephony webhook, when it has a URL; the partner webhooks, when enabled."""
        running: list[Worker] = []
        if settings.consumers_enabled and settings.telephony_webhook_url is not None:
            running.append(WebhookConsumer(app.state.engine, settings))
        if settings.consumers_enabled and settings.webhook_enabled:
            running.append(WebhookEventsConsumer(app.state.engine, settings))
            running.append(DeliveryWorker(app.state.engine, settings))
        return running

    app: FastAPI = create_service_app(
        settings,
        title="Rapport API",
        description=DESCRIPTION,
        routers=[
            keys_router,
            webhooks_router,
            customers_router,
            composition_router,
            audit_router,
            openapi_router,
        ],
        check_broker=False,
        readiness=upstream_readiness,
        extra_lifespan=lifespan,
        workers=workers,
        openapi_url=None,  # /openapi.json is the merged document of openapi/router.py
    )
    app.state.merged_openapi = MergedDocument(
        settings.openapi_cache_seconds, settings.readiness_timeout_seconds
    )
    openapi_document.install(app)
    proxy.install(app)
    app.add_middleware(RateLimitHeaders)
    return app


def own_openapi() -> dict[str, Any]:
    """The gateway's own document, for `make openapi` (openapi/gateway.json)."""
    return create_app().openapi()
