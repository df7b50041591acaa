"""Fixtures of the callback tests: a database and a live server of their own, with the dispatcher,
consumers and relay off, so that only the sweeps a test runs (with its own `now`) route callbacks."""

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any, cast

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from crm_common.db import transaction, utcnow
from crm_common.testing import (
    LiveServer,
    RunningService,
    identity_headers,
    isolated_service,
)
from crm_routing.callbacks import service
from crm_routing.config import RoutingSettings
from crm_routing.main import create_app
from crm_routing.migrate import SERVICE_DIR
from crm_routing.readmodel.models import KnownContact, KnownPhone
from crm_routing.tables import metadata

WRAP_UP_SECONDS = 30.0
WIDEN_AFTER_SECONDS = 600.0


@pytest.fixture(scope="session")
def callbacks_service(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningService]:
    """A database and a live server of the callbacks' own, workers off."""
    with isolated_service(
        backend,
        "routing_callbacks",
        str(tmp_path_factory.mktemp(f"cb-{backend}")),
        SERVICE_DIR,
        RoutingSettings,
        create_app,
        metadata,
        pool_size=6,
        dispatch_enabled=False,
        wrap_up_seconds=WRAP_UP_SECONDS,
        widen_after_seconds=WIDEN_AFTER_SECONDS,
    ) as running:
        yield running


@pytest.fixture(scope="session")
def cb_settings(callbacks_service: RunningService) -> RoutingSettings:
    return cast(RoutingSettings, callbacks_service.settings)


@pytest.fixture(scope="session")
def cb_server(callbacks_service: RunningService) -> LiveServer:
    return callbacks_service.server


@pytest.fixture(scope="session")
def cb_engine(callbacks_service: RunningService) -> Engine:
    return callbacks_service.engine


@pytest.fixture
def http(callbacks_service: RunningService) -> Iterator[httpx.Client]:
    """A client of the callbacks' live server, on an emptied database."""
    with callbacks_service.client() as client:
        yield client


@pytest.fixture(scope="session")
def role(cb_settings: RoutingSettings) -> Callable[..., dict[str, str]]:
    def headers(*roles: str, principal_id: str = "test-key") -> dict[str, str]:
        return identity_headers(cb_settings.internal_secret, *roles, principal_id=principal_id)

    return headers


def window(start_in: float = 0, length: float = 3600) -> dict[str, str]:
    """A callback window starting `start_in` seconds from now."""
    start = utcnow() + timedelta(seconds=start_in)
    return {
        "window_from": start.isoformat(),
        "window_to": (start + timedelta(seconds=length)).isoformat(),
    }


class Callbacks:
    """Plain factories over HTTP and straight on the database, for one test."""

    def __init__(
        self,
        http: httpx.Client,
        engine: Engine,
        settings: RoutingSettings,
        role: Callable[..., dict[str, str]],
    ) -> None:
        self.http, self.engine, self.settings = http, engine, settings
        self.admin, self.telephony = role("admin"), role("telephony")

    def agent(self, ready: bool = True, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"name": "Ada", "extension": "+14155550123", "skills": {"ski": 3}}
        body.update(overrides)
        response = self.http.post("/v1/agents", json=body, headers=self.admin)
        assert response.status_code == 201, response.text
        agent = dict(response.json())
        if ready:
            response = self.http.put(
                f"/v1/agents/{agent['id']}/presence", json={"status": "ready"}, headers=self.admin
            )
            assert response.status_code == 200, response.text
            agent = dict(response.json())
        return agent

    def get_agent(self, agent_id: str) -> dict[str, Any]:
        response = self.http.get(f"/v1/agents/{agent_id}", headers=self.admin)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def contact(self, owner_id: str | None = None, phones: tuple[str, ...] = ()) -> uuid.UUID:
        """A contact in the read model, as `crm.contacts` events would have left it."""
        contact_id = uuid.uuid4()
        with transaction(self.engine) as session:
            session.add(
                KnownContact(
                    id=contact_id, name="Grace", owner_id=owner_id, lifecycle_stage="customer",
                    version=1,
                )
            )  # fmt: skip
            session.flush()
            for number in phones:
                session.add(KnownPhone(number=number, contact_id=contact_id))
        return contact_id

    def create(self, status: int = 201, **body: Any) -> dict[str, Any]:
        payload: dict[str, Any] = {"phone": "+14155550177", "note": "About skis", **window()}
        payload.update(body)
        response = self.http.post("/v1/callbacks", json=payload, headers=self.admin)
        assert response.status_code == status, response.text
        return dict(response.json())

    def get(self, callback_id: str) -> dict[str, Any]:
        response = self.http.get(f"/v1/callbacks/{callback_id}", headers=self.admin)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def outcome(
        self, callback_id: str, number: int, outcome: str, status: int = 200, **extra: Any
    ) -> dict[str, Any]:
        response = self.http.post(
            f"/v1/integrations/telephony/callbacks/{callback_id}/attempts/{number}",
            json={"outcome": outcome, **extra},
            headers=self.telephony,
        )
        assert response.status_code == status, response.text
        return dict(response.json())

    def sweep(self, now: datetime, **overrides: Any) -> service.Sweep:
        settings = self.settings.model_copy(update=overrides) if overrides else self.settings
        with transaction(self.engine) as session:
            return service.dispatch_due(session, settings, now)

    def session(self) -> Session:
        return Session(self.engine)

    def events(self, event_type: str) -> list[dict[str, Any]]:
        """The data of the outbox's events of `event_type`, in order."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT envelope FROM outbox WHERE event_type = :t ORDER BY seq"),
                {"t": event_type},
            ).all()
        return [dict(json.loads(row[0])["data"]) for row in rows]

    def rows(self, table: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


@pytest.fixture
def cb(
    http: httpx.Client,
    cb_engine: Engine,
    cb_settings: RoutingSettings,
    role: Callable[..., dict[str, str]],
) -> Callbacks:
    return Callbacks(http, cb_engine, cb_settings, role)
