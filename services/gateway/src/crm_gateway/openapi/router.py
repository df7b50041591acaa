"""`/openapi.json` (the merged document, services fetched at request time) and `/docs`."""

import asyncio
import json
import logging
import time
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from crm_gateway.openapi.merge import merge_documents
from crm_gateway.proxy.routes import ROUTES, forwarded

log = logging.getLogger("crm.gateway.openapi")

router = APIRouter()


class MergedDocument:
    """The merged document, rebuilt at most every `cache_seconds` (one rebuild at a time)."""

    def __init__(self, cache_seconds: float, fetch_timeout: float) -> None:
        self.cache_seconds, self.fetch_timeout = cache_seconds, fetch_timeout
        self._cached: tuple[float, bytes] | None = None
        self._lock = asyncio.Lock()

    async def get(self, app: FastAPI) -> bytes:
        cached = self._cached
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        async with self._lock:
            cached = self._cached
            if cached is not None and cached[0] > time.monotonic():
                return cached[1]
            body = json.dumps(await self._build(app)).encode("utf-8")
            self._cached = (time.monotonic() + self.cache_seconds, body)
            return body

    async def _build(self, app: FastAPI) -> dict[str, Any]:
        upstreams: dict[str, str] = app.state.settings.upstreams
        services = list(dict.fromkeys(r.service for r in forwarded() if r.service in upstreams))
        client: httpx.AsyncClient = app.state.http
        fetched = await asyncio.gather(
            *(self._fetch(client, service, upstreams[service]) for service in services)
        )
        return merge_documents(app.openapi(), dict(zip(services, fetched, strict=True)), ROUTES)

    async def _fetch(
        self, client: httpx.AsyncClient, service: str, base_url: str
    ) -> dict[str, Any] | None:
        try:
            response = await client.get(f"{base_url}/openapi.json", timeout=self.fetch_timeout)
        except httpx.HTTPError as exc:
            log.warning("the OpenAPI document of %s is unavailable: %r", service, exc)
            return None
        try:
            document = response.json() if response.status_code == 200 else None
        except ValueError:
            document = None
        if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
            log.warning(
                "%s answered /openapi.json with no document (%s)", service, response.status_code
            )
            return None
        return document


@router.get("/openapi.json", include_in_schema=False)
async def openapi(request: Request) -> Response:
    """The public API: the gateway's operations and those of every service behind it."""
    merged: MergedDocument = request.app.state.merged_openapi
    return Response(await merged.get(request.app), media_type="application/json")


@router.get("/docs", include_in_schema=False)
async def docs() -> HTMLResponse:
    """Swagger UI over the merged document."""
    return get_swagger_ui_html(openapi_url="/openapi.json", title="Rapport API")
