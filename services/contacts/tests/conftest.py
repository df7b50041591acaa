"""Fixtures of the contacts tests: a migrated database per backend, the app on a real server."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from crm_common.broker import LocalBroker
from crm_common.db import make_engine
from crm_common.testing import (
    LiveServer,
    customer_headers,
    database_url,
    drop_database,
    identity_headers,
    live_server,
    migrated_database,
    truncate_all,
)
from crm_contacts.config import ContactsSettings
from crm_contacts.main import create_app
from crm_contacts.migrate import SERVICE_DIR
from crm_contacts.tables import metadata


@pytest.fixture(scope="session")
def database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head, shared by the session's tests of `backend`."""
    with migrated_database(
        backend, "contacts", str(tmp_path_factory.mktemp(f"contacts-{backend}")), SERVICE_DIR
    ) as url:
        yield url


@pytest.fixture
def scratch_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own for one test (dropped afterwards on PostgreSQL)."""
    url = database_url(backend, "contacts_scratch", str(tmp_path))
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def service_settings(database: str, broker: LocalBroker) -> ContactsSettings:
    return ContactsSettings(
        environment="test",
        database_url=database,
        kafka_bootstrap_servers=broker.bootstrap,
        relay_poll_seconds=0.2,
        log_level="WARNING",
    )


@pytest.fixture(scope="session")
def server(service_settings: ContactsSettings) -> Iterator[LiveServer]:
    with live_server(create_app(service_settings)) as running:
        yield running


@pytest.fixture(scope="session")
def engine(database: str) -> Iterator[Engine]:
    engine = make_engine(database, pool_size=2)
    yield engine
    engine.dispose()


@pytest.fixture
def client(server: LiveServer, engine: Engine) -> Iterator[httpx.Client]:
    """An HTTP client of the live server, on an emptied database."""
    truncate_all(engine, metadata)
    with httpx.Client(base_url=server.url, timeout=15) as http:
        yield http


@pytest.fixture(scope="session")
def as_role(service_settings: ContactsSettings) -> Callable[..., dict[str, str]]:
    """The gateway's identity header for a caller with the given roles (and agent id, team)."""

    def headers(
        *roles: str,
        principal_id: str = "test-key",
        agent_id: str | None = None,
        team: str | None = None,
    ) -> dict[str, str]:
        return identity_headers(
            service_settings.internal_secret,
            *roles,
            principal_id=principal_id,
            agent_id=agent_id,
            team=team,
        )

    return headers


@pytest.fixture
def admin(as_role: Callable[..., dict[str, str]]) -> dict[str, str]:
    return as_role("admin")


@pytest.fixture(scope="session")
def as_customer(service_settings: ContactsSettings) -> Callable[[str], dict[str, str]]:
    """The gateway's identity header for the customer token of a contact id."""

    def headers(contact_id: str) -> dict[str, str]:
        return customer_headers(service_settings.internal_secret, contact_id)

    return headers


@pytest.fixture
def count(engine: Engine) -> Callable[[str], int]:
    """Rows in a table, read straight from the database."""

    def rows(table: str) -> int:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())

    return rows


class Api:
    """Plain factories over HTTP: each creates one resource and returns its JSON."""

    def __init__(self, client: httpx.Client, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers

    def create_contact(self, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"kind": "person", "first_name": "Ada", "last_name": "Lovelace"}
        body.update(overrides)
        response = self.client.post("/v1/contacts", json=body, headers=self.headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def create_task(self, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"title": "Call back"}
        body.update(overrides)
        response = self.client.post("/v1/tasks", json=body, headers=self.headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def log_interaction(self, contact_id: str, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"channel": "call", "direction": "inbound"}
        body.update(overrides)
        response = self.client.post(
            f"/v1/contacts/{contact_id}/interactions", json=body, headers=self.headers
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def set_consent(self, contact_id: str, purpose: str, granted: bool, source: str) -> None:
        response = self.client.put(
            f"/v1/contacts/{contact_id}/consents/{purpose}",
            json={"granted": granted, "source": source},
            headers=self.headers,
        )
        assert response.status_code == 200, response.text


@pytest.fixture
def api(client: httpx.Client, admin: dict[str, str]) -> Api:
    return Api(client, admin)
