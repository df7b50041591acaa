"""The whole system for end-to-end tests: broker, contacts, orders, routing and gateway as real
processes."""

import contextlib
import functools
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from crm_common.broker import LocalBroker
from crm_common.migrations import upgrade
from crm_common.testing import ServiceProcess, database_url
from crm_contacts.migrate import SERVICE_DIR as CONTACTS_DIR
from crm_gateway.migrate import SERVICE_DIR as GATEWAY_DIR
from crm_orders.migrate import SERVICE_DIR as ORDERS_DIR
from crm_routing.migrate import SERVICE_DIR as ROUTING_DIR


@dataclass
class System:
    broker: LocalBroker
    contacts: ServiceProcess
    orders: ServiceProcess
    routing: ServiceProcess
    gateway: ServiceProcess
    admin_key: str

    def customer_token(self, contact_id: str) -> str:
        """A customer token for `contact_id`, as the website obtains it."""
        with self.client(self.website_key) as website:
            response = website.post("/v1/auth/customer-tokens", json={"contact_id": contact_id})
            assert response.status_code == 201, response.text
            return str(response.json()["access_token"])

    @functools.cached_property
    def website_key(self) -> str:
        return self.new_key("website")

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.gateway.url, headers=headers, timeout=30)

    def new_key(self, *roles: str, **extra: object) -> str:
        with self.client(self.admin_key) as admin:
            response = admin.post(
                "/v1/api-keys",
                json={"name": f"e2e {'+'.join(roles)}", "roles": list(roles), **extra},
            )
            assert response.status_code == 201, response.text
            return str(response.json()["key"])


@pytest.fixture(scope="module")
def system(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    tmp: Path = tmp_path_factory.mktemp(f"e2e-{backend}")
    contacts_db = database_url(backend, "e2e_contacts", str(tmp))
    orders_db = database_url(backend, "e2e_orders", str(tmp))
    routing_db = database_url(backend, "e2e_routing", str(tmp))
    gateway_db = database_url(backend, "e2e_gateway", str(tmp))
    upgrade(CONTACTS_DIR, contacts_db)
    upgrade(ORDERS_DIR, orders_db)
    upgrade(ROUTING_DIR, routing_db)
    upgrade(GATEWAY_DIR, gateway_db)
    secret = secrets.token_urlsafe(48)
    admin_key = "rk_e2e_" + secrets.token_urlsafe(32)
    with contextlib.ExitStack() as running:  # whatever started is stopped, even if setup fails
        broker = LocalBroker(log_path=tmp / "broker.log").start()
        running.callback(broker.stop)
        common = {
            "CRM_ENVIRONMENT": "test",
            "CRM_INTERNAL_SECRET": secret,
            "CRM_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
            "CRM_RELAY_POLL_SECONDS": "0.2",
        }
        contacts = ServiceProcess(
            "crm_contacts.main:create_app",
            {**common, "CRM_CONTACTS_DATABASE_URL": contacts_db},
            tmp / "contacts.log",
        )
        running.callback(contacts.stop)
        contacts.start()
        orders = ServiceProcess(
            "crm_orders.main:create_app",
            {**common, "CRM_ORDERS_DATABASE_URL": orders_db},
            tmp / "orders.log",
        )
        running.callback(orders.stop)
        orders.start()
        routing = ServiceProcess(
            "crm_routing.main:create_app",
            {**common, "CRM_ROUTING_DATABASE_URL": routing_db},
            tmp / "routing.log",
        )
        running.callback(routing.stop)
        routing.start()
        gateway = ServiceProcess(
            "crm_gateway.main:create_app",
            {
                **common,
                "CRM_GATEWAY_DATABASE_URL": gateway_db,
                "CRM_CONTACTS_URL": contacts.url,
                "CRM_ORDERS_URL": orders.url,
                "CRM_ROUTING_URL": routing.url,
                "CRM_BOOTSTRAP_API_KEY": admin_key,
                "CRM_GATEWAY_CUSTOMER_TOKEN_SECRET": secrets.token_urlsafe(48),
                "CRM_GATEWAY_WEBHOOK_POLL_SECONDS": "0.2",
            },
            tmp / "gateway.log",
        )
        running.callback(gateway.stop)
        gateway.start()
        yield System(broker, contacts, orders, routing, gateway, admin_key)
