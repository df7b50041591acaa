"""Fixtures of the routing tests: a migrated database per backend, the app on a real server."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from crm_common.broker import LocalBroker
from crm_common.fixtures import service_fixtures
from crm_common.testing import (
    LiveServer,
    live_server,
    truncate_all,
)
from crm_routing.config import RoutingSettings
from crm_routing.main import create_app
from crm_routing.migrate import SERVICE_DIR
from crm_routing.tables import metadata

database, scratch_database, engine, as_role, admin, count = service_fixtures("routing", SERVICE_DIR)

WRAP_UP_SECONDS = 1.0


@pytest.fixture(scope="session")
def service_settings(database: str, broker: LocalBroker) -> RoutingSettings:
    return RoutingSettings(
        environment="test",
        database_url=database,
        kafka_bootstrap_servers=broker.bootstrap,
        relay_poll_seconds=0.2,
        log_level="WARNING",
        wrap_up_seconds=WRAP_UP_SECONDS,
        widen_after_seconds=3600,
        dispatch_poll_seconds=0.2,
        dialled_categories={"+14155550100": "ski"},
    )


@pytest.fixture(scope="session")
def server(service_settings: RoutingSettings) -> Iterator[LiveServer]:
    with live_server(create_app(service_settings)) as running:
        yield running


@pytest.fixture
def client(server: LiveServer, engine: Engine) -> Iterator[httpx.Client]:
    """An HTTP client of the live server, on an emptied database."""
    truncate_all(engine, metadata)
    with httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


class Api:
    """Plain factories over HTTP: each creates or moves one resource and returns its JSON."""

    def __init__(self, client: httpx.Client, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers

    def create_agent(self, ready: bool = False, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": "Ada",
            "extension": "+14155550123",
            "skills": {"ski": 3},
            "languages": ["en"],
        }
        body.update(overrides)
        response = self.client.post("/v1/agents", json=body, headers=self.headers)
        assert response.status_code == 201, response.text
        agent = dict(response.json())
        if ready:
            agent = self.presence(agent["id"], "ready")
        return agent

    def presence(self, agent_id: str, status: str) -> dict[str, Any]:
        response = self.client.put(
            f"/v1/agents/{agent_id}/presence", json={"status": status}, headers=self.headers
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def call(self, call_id: str, event: str, status: int = 200, **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"call_id": call_id, "event": event, **extra}
        response = self.client.post("/v1/calls", json=body, headers=self.headers)
        assert response.status_code == status, response.text
        return dict(response.json())

    def get_call(self, call_id: str) -> dict[str, Any]:
        response = self.client.get(f"/v1/calls/{call_id}", headers=self.headers)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def get_agent(self, agent_id: str) -> dict[str, Any]:
        response = self.client.get(f"/v1/agents/{agent_id}", headers=self.headers)
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture
def api(client: httpx.Client, admin: dict[str, str]) -> Api:
    return Api(client, admin)
