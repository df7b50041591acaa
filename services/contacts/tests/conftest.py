"""Fixtures of the contacts tests: a migrated database per backend, the app on a real server."""

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from crm_common.broker import LocalBroker
from crm_common.fixtures import service_fixtures
from crm_common.testing import (
    LiveServer,
    customer_headers,
    live_server,
    truncate_all,
)
from crm_contacts.config import ContactsSettings
from crm_contacts.main import create_app
from crm_contacts.migrate import SERVICE_DIR
from crm_contacts.tables import metadata

database, scratch_database, engine, as_role, admin, count = service_fixtures(
    "contacts", SERVICE_DIR
)


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


@pytest.fixture
def client(server: LiveServer, engine: Engine) -> Iterator[httpx.Client]:
    """An HTTP client of the live server, on an emptied database."""
    truncate_all(engine, metadata)
    with httpx.Client(base_url=server.url, timeout=15) as http:
        yield http


@pytest.fixture(scope="session")
def as_customer(service_settings: ContactsSettings) -> Callable[[str], dict[str, str]]:
    """The gateway's identity header for the customer token of a contact id."""

    def headers(contact_id: str) -> dict[str, str]:
        return customer_headers(service_settings.internal_secret, contact_id)

    return headers


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
