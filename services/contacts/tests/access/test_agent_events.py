"""The agents read model (agent id → team) fed by `routing.agent.*` events: the handlers keep each
agent's latest team, ignore older versions, keep a deactivated agent's team, and the running
service's consumer applies the events it reads from `crm.routing`."""

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from kafka import KafkaProducer
from sqlalchemy import Engine, text

from crm_common.broker import LocalBroker
from crm_common.events import routing
from crm_common.events.envelope import CloudEvent
from crm_common.kafka import ensure_topics, make_producer

from .conftest import A1, agent_event

Feed = Callable[[CloudEvent], None]


@pytest.fixture
def owned(client: httpx.Client, api: Any) -> str:
    """A contact owned by A1 (no agent known yet)."""
    return str(api.create_contact(owner_id=A1)["id"])


def seen_by(client: httpx.Client, headers: dict[str, str]) -> list[str]:
    response = client.get("/v1/contacts", headers=headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def known_agent(engine: Engine, agent_id: str) -> tuple[str | None, bool, int] | None:
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT team, active, version FROM known_agents WHERE id = :id"), {"id": agent_id}
        ).one_or_none()
    return None if row is None else (row[0], bool(row[1]), row[2])


def test_a_managers_team_follows_the_agent_events(
    client: httpx.Client,
    owned: str,
    feed: Feed,
    engine: Engine,
    as_role: Callable[..., dict[str, str]],
) -> None:
    north, south = as_role("manager", team="north"), as_role("manager", team="south")
    assert seen_by(client, north) == []

    created = agent_event("created", A1, "north")
    feed(created)
    feed(created)  # a redelivery changes nothing
    assert known_agent(engine, A1) == ("north", True, 1)
    assert (seen_by(client, north), seen_by(client, south)) == ([owned], [])

    feed(agent_event("updated", A1, "south", version=3))
    assert (seen_by(client, north), seen_by(client, south)) == ([], [owned])
    # An older snapshot arriving late does not move the agent back.
    feed(agent_event("updated", A1, "north", version=2))
    assert known_agent(engine, A1) == ("south", True, 3)

    # A deactivated agent keeps its team: its contacts stay visible to the team's managers.
    feed(agent_event("deactivated", A1, "south", version=4, active=False))
    assert known_agent(engine, A1) == ("south", False, 4)
    assert seen_by(client, south) == [owned]

    feed(agent_event("updated", A1, None, version=5))
    assert (seen_by(client, north), seen_by(client, south)) == ([], [])
    # The agent itself still sees what it owns, whatever its team.
    assert seen_by(client, as_role("agent", agent_id=A1)) == [owned]


@pytest.fixture(scope="module")
def producer(broker: LocalBroker) -> Iterator[KafkaProducer]:
    ensure_topics(broker.bootstrap, [routing.TOPIC])
    producer = make_producer(broker.bootstrap, "routing-agents-test-producer")
    yield producer
    producer.close()


def test_the_service_consumes_agent_events_from_the_broker(
    client: httpx.Client,
    owned: str,
    engine: Engine,
    producer: KafkaProducer,
    as_role: Callable[..., dict[str, str]],
) -> None:
    team = f"team-{uuid.uuid4().hex[:8]}"
    event = agent_event("created", A1, team)
    producer.send(
        routing.TOPIC,
        key=event.subject.encode(),
        value=event.model_dump_json().encode(),
        headers=[("ce_type", event.type.encode()), ("ce_id", str(event.id).encode())],
    ).get(timeout=10)
    deadline = time.monotonic() + 30
    while known_agent(engine, A1) is None:
        assert time.monotonic() < deadline, "timed out waiting for the consumer"
        time.sleep(0.1)
    assert known_agent(engine, A1) == (team, True, 1)
    assert seen_by(client, as_role("manager", team=team)) == [owned]
