"""Fixtures of the partner webhook tests: a gateway on a database of their own whose delivery
worker does not run (the tests drive `deliver_due()` passes), and a real HTTP receiver."""

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from crm_common.db import make_engine, transaction
from crm_common.events.envelope import CloudEvent
from crm_common.testing import LiveServer, migrated_database
from crm_gateway.config import GatewaySettings
from crm_gateway.migrate import SERVICE_DIR
from crm_gateway.webhooks.consumer import store_event
from crm_gateway.webhooks.worker import DeliveryWorker

from ..conftest import gateway_settings, serve
from ..helpers import Running
from .support import Receiver

# Retries within milliseconds, so that tests drive them pass by pass.
WEBHOOK_SETTINGS: dict[str, Any] = {
    "webhook_enabled": False,
    "webhook_backoff_base_seconds": 0.001,
    "webhook_backoff_max_seconds": 0.002,
    "webhook_max_attempts": 3,
    "webhook_disable_after_failures": 2,
    "webhook_timeout_seconds": 2.0,
}


@pytest.fixture(scope="session")
def database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of the webhook tests alone: no other gateway's delivery worker polls it."""
    directory = str(tmp_path_factory.mktemp(f"gateway-webhooks-{backend}"))
    with migrated_database(backend, "gateway_webhooks", directory, SERVICE_DIR) as url:
        yield url


@pytest.fixture(scope="session")
def engine(database: str) -> Iterator[Engine]:
    engine = make_engine(database, pool_size=4)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def gateway(
    database: str,
    upstream: LiveServer,
    orders_upstream: LiveServer,
    routing_upstream: LiveServer,
) -> Iterator[Running]:
    settings = gateway_settings(
        database, upstream.url, orders_upstream.url, routing_upstream.url, **WEBHOOK_SETTINGS
    )
    running = serve(settings)
    yield running
    running.server.stop()


@pytest.fixture
def settings(gateway: Running) -> GatewaySettings:
    found = gateway.app.state.settings
    assert isinstance(found, GatewaySettings)
    return found


@pytest.fixture
def worker(engine: Engine, settings: GatewaySettings) -> Iterator[DeliveryWorker]:
    """The delivery worker, not started: each test runs its passes."""
    running = DeliveryWorker(engine, settings)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    running.server.start()
    yield running
    running.server.stop()


@pytest.fixture
def hook(receiver: Receiver, client: httpx.Client) -> Receiver:
    """The receiver, with nothing recorded and nothing planned (on emptied tables)."""
    receiver.reset()
    return receiver


@pytest.fixture
def partner(key_for: Callable[..., dict[str, str]]) -> dict[str, str]:
    return key_for("partner")


@pytest.fixture
def subscribe(client: httpx.Client, partner: dict[str, str]) -> Callable[..., dict[str, Any]]:
    """Create a subscription (as `partner` unless other headers are given); its creation answer."""

    def create(
        url: str, *event_types: str, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        response = client.post(
            "/v1/webhooks",
            json={"url": url, "event_types": list(event_types), "description": "test"},
            headers=headers or partner,
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    return create


@pytest.fixture
def store(engine: Engine) -> Callable[[CloudEvent], None]:
    """What the consumer does with an event read from the broker, in its own transaction."""

    def apply(event: CloudEvent) -> None:
        with transaction(engine) as session:
            store_event(session, event)

    return apply
