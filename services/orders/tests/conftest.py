"""Fixtures of the orders tests: a migrated database per backend, the app on a real server.

Shared by every part of the service (catalog, configurator, orders, ERP, and the sales half): add
fixtures here, do not rewrite the ones that exist.
"""

from collections.abc import Callable, Iterator
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
from crm_orders.config import OrdersSettings
from crm_orders.main import create_app
from crm_orders.migrate import SERVICE_DIR
from crm_orders.pipelines.models import DEFAULT_PIPELINE_ID
from crm_orders.tables import metadata

database, scratch_database, engine, as_role, admin, count = service_fixtures("orders", SERVICE_DIR)

CONTACT_ID = "0190f0c4-1a2b-7c3d-8e4f-001122334455"
ADDRESS = {"line1": "1 Main Street", "postal_code": "10115", "city": "Berlin", "country": "DE"}


@pytest.fixture(scope="session")
def service_settings(database: str, broker: LocalBroker) -> OrdersSettings:
    return OrdersSettings(
        environment="test",
        database_url=database,
        kafka_bootstrap_servers=broker.bootstrap,
        relay_poll_seconds=0.2,
        log_level="WARNING",
    )


@pytest.fixture(scope="session")
def server(service_settings: OrdersSettings) -> Iterator[LiveServer]:
    with live_server(create_app(service_settings)) as running:
        yield running


def _empty(engine: Engine) -> None:
    """Empty every table but keep what the migrations seed (the default pipeline)."""
    truncate_all(engine, metadata, keep={"pipelines"})
    seeded = metadata.tables["pipelines"]
    with engine.begin() as conn:
        conn.execute(seeded.delete().where(seeded.c.id != DEFAULT_PIPELINE_ID))


@pytest.fixture
def client(server: LiveServer, engine: Engine) -> Iterator[httpx.Client]:
    """An HTTP client of the live server, on an emptied database."""
    _empty(engine)
    with httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


def lamp_product(**overrides: Any) -> dict[str, Any]:
    """The body of a product with two option groups and two rules (the issue's example)."""
    body: dict[str, Any] = {
        "sku": "LUM-100",
        "name": "Lumen street light",
        "category": "lighting",
        "base_price": "100.00",
        "currency": "EUR",
        "options": [
            {
                "group": "fixture",
                "required": True,
                "values": [{"code": "F1"}, {"code": "F2", "price_delta": "20.00"}],
            },
            {
                "group": "lamp",
                "required": True,
                "values": [
                    {"code": "L1"},
                    {"code": "L2", "price_delta": "5.50"},
                    {"code": "L3", "price_delta": "12.25"},
                ],
            },
            {
                "group": "ballast",
                "values": [{"code": "B1"}, {"code": "B2", "price_delta": "3.00"}],
            },
        ],
        "rules": [
            {"if": {"fixture": "F2"}, "excludes": {"lamp": "L3"}},
            {"if": {"lamp": "L3"}, "requires": {"ballast": "B2"}},
        ],
    }
    body.update(overrides)
    return body


class Api:
    """Plain factories over HTTP: each creates one resource and returns its JSON."""

    def __init__(self, client: httpx.Client, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers

    def create_product(self, **overrides: Any) -> dict[str, Any]:
        response = self.client.post(
            "/v1/products", json=lamp_product(**overrides), headers=self.headers
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def create_order(self, product_id: str, quantity: int = 1, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "contact_id": CONTACT_ID,
            "currency": "EUR",
            "lines": [
                {
                    "product_id": product_id,
                    "options": {"fixture": "F1", "lamp": "L1"},
                    "quantity": quantity,
                }
            ],
            "delivery_address": ADDRESS,
        }
        body.update(overrides)
        response = self.client.post("/v1/orders", json=body, headers=self.headers)
        assert response.status_code == 201, response.text
        return dict(response.json())


@pytest.fixture
def api(client: httpx.Client, admin: dict[str, str]) -> Api:
    return Api(client, admin)


@pytest.fixture
def product_body() -> Callable[..., dict[str, Any]]:
    """`lamp_product` as a fixture: the body of a product with options and rules."""
    return lamp_product


# --- the sales half: pipelines, opportunities, stage rules, quotes ---------------------------------

TOUR_STAGES = [
    {"name": "enquiry", "probability": 10, "kind": "open"},
    {"name": "offer", "probability": 50, "kind": "open"},
    {"name": "booked", "probability": 100, "kind": "won"},
    {"name": "cancelled", "probability": 0, "kind": "lost"},
]


class Sales:
    """Plain factories of the sales half over HTTP: each creates or moves one resource."""

    def __init__(self, client: httpx.Client, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers

    def _post(self, path: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
        response = self.client.post(path, json=body, headers=self.headers)
        assert response.status_code == status, response.text
        return dict(response.json())

    def create_pipeline(self, **overrides: Any) -> dict[str, Any]:
        return self._post("/v1/pipelines", {"name": "Tours", "stages": TOUR_STAGES, **overrides})

    def create_opportunity(self, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"contact_id": CONTACT_ID, "title": "Office lighting"}
        return self._post("/v1/opportunities", {**body, **overrides})

    def move(self, opportunity_id: str, stage: str, **extra: Any) -> dict[str, Any]:
        return self._post(
            f"/v1/opportunities/{opportunity_id}/stage", {"stage": stage, **extra}, 200
        )

    def history(self, opportunity_id: str) -> list[dict[str, Any]]:
        response = self.client.get(
            f"/v1/opportunities/{opportunity_id}/history", headers=self.headers
        )
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    def create_rule(self, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": "Big RFQs get a senior review",
            "when": {"stage": "rfq_received", "amount_gt": "50000"},
            "then": {
                "create_task": {
                    "title": "Review with a senior manager",
                    "assignee": "owner",
                    "due_in_hours": 24,
                }
            },
        }
        return self._post("/v1/pipeline-rules", {**body, **overrides})

    def create_quote(
        self, opportunity_id: str, product_id: str, **overrides: Any
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "opportunity_id": opportunity_id,
            "valid_until": "2999-12-31",
            "currency": "EUR",
            "lines": [
                {
                    "product_id": product_id,
                    "options": {"fixture": "F1", "lamp": "L1"},
                    "quantity": 2,
                }
            ],
        }
        return self._post("/v1/quotes", {**body, **overrides})

    def send_quote(self, quote_id: str) -> dict[str, Any]:
        return self._post(f"/v1/quotes/{quote_id}/send", {}, 200)


@pytest.fixture
def sales(client: httpx.Client, admin: dict[str, str]) -> Sales:
    return Sales(client, admin)
