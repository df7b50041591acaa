"""/healthz, /readyz (own database and every service's /readyz) and /metrics, without a key."""

from collections.abc import Callable

import httpx
import pytest

from .helpers import Running


def test_ready_when_the_database_and_every_service_are(client: httpx.Client) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "contacts": "ok", "orders": "ok", "routing": "ok"},
    }


@pytest.mark.parametrize("service", ["contacts", "orders", "routing"])
def test_unready_while_a_service_is_down(
    client: httpx.Client, start_gateway: Callable[..., Running], dead_url: str, service: str
) -> None:
    down = start_gateway(**{f"{service}_url": dead_url})

    response = httpx.get(f"{down.url}/readyz")

    assert response.status_code == 503
    checks = {"database": "ok", "contacts": "ok", "orders": "ok", "routing": "ok"}
    assert response.json() == {
        "status": "unready",
        "checks": checks | {service: "unavailable: ConnectError"},
    }


def test_health_and_metrics_need_no_key(client: httpx.Client) -> None:
    health = client.get("/healthz")
    client.get("/v1/contacts")
    metrics = client.get("/metrics")

    assert health.status_code == 200
    assert health.json() == {"status": "ok", "service": "gateway"}
    assert metrics.status_code == 200
    assert 'route="/v1/contacts",service="gateway",status="401"' in metrics.text
