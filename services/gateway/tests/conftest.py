"""Fixtures of the gateway tests: a migrated database per backend, a real upstream service and the
gateway, each served by uvicorn on its own port."""

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from crm_common.broker import free_port
from crm_common.db import make_engine
from crm_common.settings import ServiceSettings
from crm_common.testing import (
    LiveServer,
    database_url,
    drop_database,
    migrated_database,
    truncate_all,
)
from crm_gateway.config import GatewaySettings
from crm_gateway.keys.service import register_bootstrap_key
from crm_gateway.main import create_app
from crm_gateway.migrate import SERVICE_DIR
from crm_gateway.tables import metadata

from .helpers import (
    BOOTSTRAP_KEY,
    CUSTOMER_TOKEN_SECRET,
    INTERNAL_SECRET,
    Running,
    bearer,
    create_key,
)
from .upstream import (
    ORDERS_PREFIXES,
    ROUTING_PREFIXES,
    create_prefixes_upstream_app,
    create_upstream_app,
)


@pytest.fixture(scope="session")
def database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head, shared by the session's tests of `backend`."""
    with migrated_database(
        backend, "gateway", str(tmp_path_factory.mktemp(f"gateway-{backend}")), SERVICE_DIR
    ) as url:
        yield url


@pytest.fixture
def scratch_database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database of its own for one test (dropped afterwards on PostgreSQL)."""
    url = database_url(backend, "gateway_scratch", str(tmp_path_factory.mktemp("scratch")))
    yield url
    drop_database(url)


def _echo_settings(tmp_path_factory: pytest.TempPathFactory, name: str) -> ServiceSettings:
    directory = tmp_path_factory.mktemp(name)
    return ServiceSettings(
        environment="test",
        service_name=name,
        database_url=f"sqlite:///{directory}/{name}.db",
        internal_secret=INTERNAL_SECRET,
        log_level="WARNING",
    )


@pytest.fixture(scope="session")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The echo service standing in for contacts (routes /v1/contacts and /v1/tasks)."""
    server = LiveServer(create_upstream_app(_echo_settings(tmp_path_factory, "echo"))).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def orders_upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The echo service standing in for orders (every prefix the route table sends there)."""
    settings = _echo_settings(tmp_path_factory, "echo-orders")
    server = LiveServer(create_prefixes_upstream_app(settings, "orders", ORDERS_PREFIXES)).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def routing_upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The echo service standing in for routing."""
    settings = _echo_settings(tmp_path_factory, "echo-routing")
    server = LiveServer(create_prefixes_upstream_app(settings, "routing", ROUTING_PREFIXES)).start()
    yield server
    server.stop()


def gateway_settings(
    database: str, contacts_url: str, orders_url: str, routing_url: str, **overrides: Any
) -> GatewaySettings:
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": database,
        "contacts_url": contacts_url,
        "orders_url": orders_url,
        "routing_url": routing_url,
        "bootstrap_api_key": BOOTSTRAP_KEY,
        "internal_secret": INTERNAL_SECRET,
        "customer_token_secret": CUSTOMER_TOKEN_SECRET,
        "log_level": "WARNING",
        "upstream_timeout_seconds": 10.0,
        "openapi_cache_seconds": 0.0,
        # The webhook tests start their own workers; these gateways run without a broker.
        "webhook_enabled": False,
    }
    values.update(overrides)
    return GatewaySettings(**values)


def serve(settings: GatewaySettings) -> Running:
    app = create_app(settings)
    return Running(LiveServer(app).start(), app)


@pytest.fixture(scope="session")
def gateway(
    database: str,
    upstream: LiveServer,
    orders_upstream: LiveServer,
    routing_upstream: LiveServer,
) -> Iterator[Running]:
    running = serve(
        gateway_settings(database, upstream.url, orders_upstream.url, routing_upstream.url)
    )
    yield running
    running.server.stop()


@pytest.fixture
def start_gateway(
    database: str,
    upstream: LiveServer,
    orders_upstream: LiveServer,
    routing_upstream: LiveServer,
) -> Iterator[Callable[..., Running]]:
    """Start another gateway on the same database, with some settings changed."""
    started: list[Running] = []

    def start(**overrides: Any) -> Running:
        urls = {
            "contacts_url": upstream.url,
            "orders_url": orders_upstream.url,
            "routing_url": routing_upstream.url,
        }
        running = serve(gateway_settings(database, **(urls | overrides)))
        started.append(running)
        return running

    yield start
    for running in started:
        running.server.stop()


@pytest.fixture
def dead_url() -> str:
    """A URL where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="session")
def engine(database: str) -> Iterator[Engine]:
    engine = make_engine(database, pool_size=2)
    yield engine
    engine.dispose()


def reset(engine: Engine, gateway: Running) -> None:
    """Empty tables, then what a start does: register the bootstrap key; forget cached keys."""
    truncate_all(engine, metadata)
    register_bootstrap_key(engine, BOOTSTRAP_KEY)
    gateway.keyring.clear()


@pytest.fixture
def client(gateway: Running, engine: Engine) -> Iterator[httpx.Client]:
    """An HTTP client of the gateway, without credentials, on emptied tables."""
    reset(engine, gateway)
    with httpx.Client(base_url=gateway.url, timeout=15) as http:
        yield http


@pytest.fixture
def admin() -> dict[str, str]:
    return bearer(BOOTSTRAP_KEY)


@pytest.fixture
def key_for(client: httpx.Client) -> Callable[..., dict[str, str]]:
    """Authorization headers of a new key holding `roles`."""

    def headers(*roles: str) -> dict[str, str]:
        return bearer(create_key(client, *roles)["key"])

    return headers


@pytest.fixture
def count(engine: Engine) -> Callable[..., int]:
    """Rows in a table (optionally matching a WHERE clause), read straight from the database."""

    def rows(table: str, where: str = "1=1", **params: Any) -> int:
        with engine.connect() as conn:
            query = text(f"SELECT COUNT(*) FROM {table} WHERE {where}")
            return int(conn.execute(query, params).scalar_one())

    return rows
