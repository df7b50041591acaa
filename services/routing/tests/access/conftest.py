"""Fixtures of the row-level access tests: a database of their own with two live servers on it,
`CRM_ROUTING_ROW_ACCESS=scoped` (the default) and `open`, workers off; and a world of agents,
calls, callbacks, chats and web sessions written straight to the database."""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import cast

import httpx
import pytest
from sqlalchemy import Engine

from crm_common.db import transaction, utcnow
from crm_common.testing import (
    LiveServer,
    RunningService,
    identity_headers,
    isolated_service,
    live_server,
)
from crm_routing.agents.models import Agent
from crm_routing.callbacks.models import Callback, CallbackAttempt
from crm_routing.calls.models import Call
from crm_routing.chats.models import Chat
from crm_routing.config import RoutingSettings
from crm_routing.main import create_app
from crm_routing.migrate import SERVICE_DIR
from crm_routing.readmodel.models import KnownContact
from crm_routing.tables import metadata
from crm_routing.web.models import WebSession

Headers = Callable[..., dict[str, str]]


@pytest.fixture(scope="session")
def access_service(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningService]:
    """A database of the access tests' own and its scoped server, workers off."""
    with isolated_service(
        backend,
        "routing_access",
        str(tmp_path_factory.mktemp(f"ac-{backend}")),
        SERVICE_DIR,
        RoutingSettings,
        create_app,
        metadata,
        dispatch_enabled=False,
    ) as running:
        yield running


@pytest.fixture(scope="session")
def ac_settings(access_service: RunningService) -> RoutingSettings:
    return cast(RoutingSettings, access_service.settings)


@pytest.fixture(scope="session")
def ac_engine(access_service: RunningService) -> Engine:
    return access_service.engine


@pytest.fixture(scope="session")
def open_server(ac_settings: RoutingSettings) -> Iterator[LiveServer]:
    with live_server(create_app(ac_settings.model_copy(update={"row_access": "open"}))) as running:
        yield running


@pytest.fixture
def http(access_service: RunningService) -> Iterator[httpx.Client]:
    """A client of the scoped server, on an emptied database."""
    with access_service.client() as client:
        yield client


@pytest.fixture
def open_http(open_server: LiveServer, http: httpx.Client) -> Iterator[httpx.Client]:
    """A client of the open server, on the same (emptied) database as `http`."""
    with httpx.Client(base_url=open_server.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def who(ac_settings: RoutingSettings) -> Headers:
    """The gateway's identity header for a caller with `roles` (and agent id, team)."""

    def headers(
        *roles: str,
        principal_id: str = "test-key",
        agent_id: str | uuid.UUID | None = None,
        team: str | None = None,
    ) -> dict[str, str]:
        return identity_headers(
            ac_settings.internal_secret,
            *roles,
            principal_id=principal_id,
            agent_id=None if agent_id is None else str(agent_id),
            team=team,
        )

    return headers


@dataclass
class World:
    """Agents A1 (team T), A2 and A3 (team U), A4 (team V); contact K owned by A1 and assigned to
    A4. Records 1, 2 and 3 of each kind: 1 is A1's, 2 is A2's about K, 3 is A2's about nobody."""

    a1: uuid.UUID
    a2: uuid.UUID
    a3: uuid.UUID
    a4: uuid.UUID
    contact: uuid.UUID
    calls: dict[int, str] = field(default_factory=dict)
    callbacks: dict[int, uuid.UUID] = field(default_factory=dict)
    chats: dict[int, uuid.UUID] = field(default_factory=dict)
    sessions: dict[int, str] = field(default_factory=dict)


def agent(team: str, name: str) -> Agent:
    return Agent(name=name, extension=f"sip:{name}@pbx", team=team)


def seed(engine: Engine) -> World:
    """The world of the access tests, written as the service's own writes would leave it."""
    a1, a2, a3 = agent("T", "a1"), agent("U", "a2"), agent("U", "a3")
    a4 = agent("V", "a4")
    now = utcnow()
    with transaction(engine) as session:
        session.add_all([a1, a2, a3, a4])
        contact = KnownContact(
            id=uuid.uuid4(),
            name="Grace",
            owner_id=str(a1.id),
            assignee_ids=[str(a4.id)],
            lifecycle_stage="customer",
            version=1,
        )
        session.add(contact)
        session.flush()
        world = World(a1=a1.id, a2=a2.id, a3=a3.id, a4=a4.id, contact=contact.id)
        for n, handler, about in ((1, a1.id, None), (2, a2.id, contact.id), (3, a2.id, None)):
            call_id = f"c-{n}"
            session.add(
                Call(
                    call_id=call_id,
                    status="answered",
                    from_number=f"+4420794600{n:02d}",
                    contact_id=about,
                    agent_id=handler,
                    started_at=now,
                    assigned_at=now,
                    answered_at=now,
                )
            )
            callback = Callback(
                contact_id=about,
                phone=f"+4420794600{n:02d}",
                note=f"callback {n}",
                window_from=now,
                window_to=now + timedelta(hours=1),
                status="in_progress",
                attempts=1,
                agent_id=handler,
                created_by="staff-key",
            )
            session.add(callback)
            session.flush()
            session.add(
                CallbackAttempt(
                    callback_id=callback.id,
                    number=1,
                    agent_id=handler,
                    extension="sip:x@pbx",
                    started_at=now,
                )
            )
            web = WebSession(
                session_id=f"s-{n}",
                visitor_id=f"v-{n}",
                contact_id=about,
                page_views=5,
                first_page_at=now,
                last_page_at=now,
                engaged_at=now,
                offer_type="chat",
                offer_agent_id=handler,
                offered_at=now,
            )
            session.add(web)
            session.flush()
            chat = Chat(
                session_id=web.session_id,
                agent_id=handler,
                contact_id=about,
                visitor_id=web.visitor_id,
            )
            session.add(chat)
            session.flush()
            world.calls[n], world.callbacks[n], world.chats[n] = call_id, callback.id, chat.id
            world.sessions[n] = web.session_id
    return world


@pytest.fixture
def world(http: httpx.Client, ac_engine: Engine) -> World:
    return seed(ac_engine)
