"""Fixtures of the data-rights tests: a database and a live server of their own with the workers
off; events are applied by the service's own consumer (`EventConsumer.apply`: the handler and the
processed-event row in one transaction), as the broker would deliver them."""

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import httpx
import pytest
from sqlalchemy import Engine, text

from crm_common.db import utcnow
from crm_common.events import contacts, orders
from crm_common.events.envelope import CloudEvent, EventPayload
from crm_common.testing import (
    RunningService,
    customer_headers,
    identity_headers,
    isolated_service,
)
from crm_routing.config import RoutingSettings
from crm_routing.handlers import HANDLERS, events_consumer
from crm_routing.main import create_app
from crm_routing.migrate import SERVICE_DIR
from crm_routing.tables import metadata

T0 = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def privacy_service(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningService]:
    """A database and a live server of the data-rights tests' own, workers off."""
    with isolated_service(
        backend,
        "routing_privacy",
        str(tmp_path_factory.mktemp(f"pv-{backend}")),
        SERVICE_DIR,
        RoutingSettings,
        create_app,
        metadata,
        dispatch_enabled=False,
        wrap_up_seconds=0,
        widen_after_seconds=3600,
    ) as running:
        yield running


@pytest.fixture
def http(privacy_service: RunningService) -> Iterator[httpx.Client]:
    """A client of the live server, on an emptied database."""
    with privacy_service.client() as client:
        yield client


def person(
    contact_id: uuid.UUID,
    phones: tuple[str, ...],
    version: int = 1,
    owner_id: str | None = None,
    first_name: str = "Grace",
) -> contacts.ContactSnapshot:
    return contacts.ContactSnapshot(
        id=contact_id, kind="person", first_name=first_name, last_name="Hopper",
        phones=[contacts.PhonePoint(number=p) for p in phones], owner_id=owner_id,
        lifecycle_stage="customer", version=version, created_at=T0, updated_at=T0,
    )  # fmt: skip


def order(contact_id: uuid.UUID, total: str = "120.00") -> orders.OrderSnapshot:
    line = {
        "line_no": 1, "product_id": uuid.uuid4(), "sku": "S", "name": "N", "category": "ski",
        "quantity": 1, "unit_price": Decimal(total), "line_total": Decimal(total),
    }  # fmt: skip
    return orders.OrderSnapshot.model_validate(
        {
            "id": uuid.uuid4(), "number": "R-1", "contact_id": contact_id,
            "customer_reference": str(contact_id), "status": "placed", "currency": "EUR",
            "lines": [line], "subtotal": Decimal(total), "total": Decimal(total),
            "delivery_address": {"line1": "x", "postal_code": "1", "city": "B", "country": "DE"},
            "version": 1, "placed_at": T0, "created_at": T0, "updated_at": T0,
        }
    )  # fmt: skip


def opportunity(contact_id: uuid.UUID) -> orders.OpportunitySnapshot:
    return orders.OpportunitySnapshot.model_validate(
        {
            "id": uuid.uuid4(), "contact_id": contact_id, "title": "Grace's ski trip",
            "pipeline_id": uuid.uuid4(), "stage": "Qualified", "amount": Decimal("900"),
            "currency": "EUR", "version": 1, "created_at": T0, "updated_at": T0,
        }
    )  # fmt: skip


def consent(
    contact_id: uuid.UUID, granted: bool, at: datetime, purpose: str = "phone"
) -> contacts.ConsentChanged:
    return contacts.ConsentChanged(
        contact_id=contact_id, purpose=purpose, granted=granted, source="web-form", changed_at=at
    )


class Privacy:
    """Factories over HTTP and the consumer, and reads straight from the database."""

    def __init__(self, http: httpx.Client, engine: Engine, settings: RoutingSettings) -> None:
        self.http, self.engine, self.settings = http, engine, settings
        self.admin = identity_headers(settings.internal_secret, "admin")
        self.consumer = events_consumer(engine, settings)

    def customer(self, contact_id: uuid.UUID) -> dict[str, str]:
        return customer_headers(self.settings.internal_secret, str(contact_id))

    def role(self, *roles: str) -> dict[str, str]:
        return identity_headers(self.settings.internal_secret, *roles)

    def deliver(self, event: CloudEvent) -> bool:
        """Apply `event` as the consumer would; False when it was applied before."""
        return self.consumer.apply(event, HANDLERS[event.type])

    def apply(self, payload: EventPayload, subject: uuid.UUID | None = None) -> CloudEvent:
        event = CloudEvent.wrap(
            payload, source="contacts", subject=str(subject or uuid.uuid4()), correlation_id=None
        )
        assert self.deliver(event)
        return event

    def post(self, path: str, body: Any = None, status: int = 201, **kwargs: Any) -> Any:
        response = self.http.post(path, json=body, headers=kwargs.pop("headers", self.admin))
        assert response.status_code == status, response.text
        return response.json()

    def agent(self, **overrides: Any) -> dict[str, Any]:
        body = {"name": "Ada", "extension": "+14155550123", "skills": {"ski": 3}, **overrides}
        agent = dict(self.post("/v1/agents", body))
        response = self.http.put(
            f"/v1/agents/{agent['id']}/presence", json={"status": "ready"}, headers=self.admin
        )
        assert response.status_code == 200, response.text
        return agent

    def call(self, call_id: str, event: str, **extra: Any) -> dict[str, Any]:
        body = {"call_id": call_id, "event": event, **extra}
        return dict(self.post("/v1/calls", body, status=200))

    def pages(
        self, session_id: str, visitor_id: str, count: int, contact_id: uuid.UUID | None = None
    ) -> Any:
        events = [
            {
                "visitor_id": visitor_id,
                "session_id": session_id,
                "url": f"https://shop.example.com/ski/{n}?email=grace%40example.com#top",
                "title": f"Skis for Grace {n}",
                "category": "ski",
                "occurred_at": (T0 + timedelta(seconds=10 * n)).isoformat(),
                **({} if contact_id is None else {"contact_id": str(contact_id)}),
            }
            for n in range(1, count + 1)
        ]
        return self.post("/v1/web/events", {"events": events}, status=200)["offer"]

    def events(self, event_type: str) -> list[dict[str, Any]]:
        """The data of the outbox's events of `event_type`, in order."""
        rows = self.query(
            "SELECT envelope FROM outbox WHERE event_type = :t ORDER BY seq", t=event_type
        )
        return [dict(json.loads(row[0])["data"]) for row in rows]

    def query(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())

    def rows(self, table: str) -> int:
        return int(self.query(f"SELECT COUNT(*) FROM {table}")[0][0])


@pytest.fixture
def pv(http: httpx.Client, privacy_service: RunningService) -> Privacy:
    settings = cast(RoutingSettings, privacy_service.settings)
    return Privacy(http, privacy_service.engine, settings)


PHONE, OTHER = "+14155550190", "+14155550191"


@dataclass
class World:
    agent: dict[str, Any]
    contact_id: uuid.UUID
    other_id: uuid.UUID
    callback: dict[str, Any]
    chat: dict[str, Any]


def build(pv: Privacy) -> World:
    """An agent; an early call from the person's number before they were known; the person with
    an order, an opportunity and a phone consent; a visit on their device before they signed in
    and one signed in, engaged, offered and chatted in; a finished call; a scheduled callback.
    Another person calls and visits too."""
    agent = pv.agent(skills={"ski": 5})
    pv.call("c-0", "ringing", **{"from": PHONE})
    pv.call("c-0", "abandoned")
    contact_id, other_id = uuid.uuid4(), uuid.uuid4()
    snapshot = person(contact_id, (PHONE,), owner_id=agent["id"])
    pv.apply(contacts.ContactCreated(contact=snapshot), contact_id)
    pv.apply(contacts.ContactCreated(contact=person(other_id, (OTHER,), first_name="Alan")))
    pv.apply(orders.OrderPlaced(order=order(contact_id)))
    pv.apply(orders.OpportunityCreated(opportunity=opportunity(contact_id)))
    pv.apply(consent(contact_id, True, T0), contact_id)
    assert pv.pages("s-0", "v-1", 1) is None
    offer = pv.pages("s-1", "v-1", 5, contact_id=contact_id)
    assert offer is not None and offer["type"] == "chat"
    assert pv.pages("s-9", "v-9", 1) is None
    website = pv.role("website")
    chat = pv.post("/v1/web/sessions/s-1/chat", headers=website)
    message = {"author": "visitor", "text": "My email is grace@example.com"}
    pv.post(f"/v1/chats/{chat['id']}/messages", message, headers=website)
    pv.post(f"/v1/chats/{chat['id']}/messages", {"author": "agent", "text": "Thanks, Grace"})
    pv.post(f"/v1/chats/{chat['id']}/close", status=200)
    assert pv.call("c-1", "ringing", **{"from": PHONE})["agent_id"] == agent["id"]
    pv.call("c-1", "answered")
    pv.call("c-1", "ended")
    pv.call("c-2", "ringing", **{"from": OTHER})
    pv.call("c-2", "abandoned")
    starts = utcnow() + timedelta(days=1)
    callback = pv.post(
        "/v1/callbacks",
        {
            "contact_id": str(contact_id), "note": "Grace wants new skis",
            "window_from": starts.isoformat(), "window_to": (starts + timedelta(hours=1)).isoformat(),
        },
    )  # fmt: skip
    return World(agent, contact_id, other_id, callback, chat)
