"""Readiness of the services behind the gateway, added to the common /readyz checks."""

import asyncio

import httpx
from fastapi import FastAPI

from crm_gateway.config import GatewaySettings


async def upstream_readiness(app: FastAPI) -> dict[str, str]:
    """Each upstream's own /readyz, asked in parallel with a short timeout: "ok" or the reason."""
    settings: GatewaySettings = app.state.settings
    client: httpx.AsyncClient = app.state.http
    timeout = settings.readiness_timeout_seconds

    async def check(base_url: str) -> str:
        try:
            response = await client.get(f"{base_url}/readyz", timeout=timeout)
        except httpx.HTTPError as exc:
            return f"unavailable: {type(exc).__name__}"
        return "ok" if response.status_code == 200 else f"unready: {response.status_code}"

    upstreams = settings.upstreams
    results = await asyncio.gather(*(check(url) for url in upstreams.values()))
    return dict(zip(upstreams, results, strict=True))
