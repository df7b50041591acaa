"""Fixtures of the row-level access tests: agents fed by routing's agent events (through the
service's own handlers), and contacts that are owned, assigned, of a team or of nobody."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from crm_common.db import transaction
from crm_common.events import routing
from crm_common.events.envelope import CloudEvent
from crm_contacts.handlers import HANDLERS

A1 = "01900000-0000-7000-8000-0000000000a1"  # team north
A2 = "01900000-0000-7000-8000-0000000000a2"  # team north
B1 = "01900000-0000-7000-8000-0000000000b1"  # team south
MANAGER_AGENT = "01900000-0000-7000-8000-0000000000f1"  # a manager's own agent id, in no team
AT = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)

# The contacts of `world`, in creation (= list) order.
NAMES = ("own", "assigned", "team", "team_assigned", "other", "nobody", "manager_own")
SHARED_PHONE = "+14155550199"  # the number of both `own` and `other`


def agent_snapshot(
    agent_id: str, team: str | None, *, version: int = 1, active: bool = True
) -> routing.AgentSnapshot:
    return routing.AgentSnapshot(
        id=uuid.UUID(agent_id),
        name=f"Agent {agent_id[-2:]}",
        extension="+14155550100",
        skills={"lighting": 3},
        languages=["en"],
        max_concurrent_chats=2,
        team=team,
        presence="offline",
        active=active,
        version=version,
        created_at=AT,
        updated_at=AT,
    )


def agent_event(kind: str, agent_id: str, team: str | None, **values: Any) -> CloudEvent:
    """A `routing.agent.<kind>.v1` CloudEvent as the routing service publishes it."""
    snapshot = agent_snapshot(agent_id, team, **values)
    payload: routing.AgentCreated | routing.AgentUpdated | routing.AgentDeactivated
    if kind == "created":
        payload = routing.AgentCreated(agent=snapshot)
    elif kind == "updated":
        payload = routing.AgentUpdated(agent=snapshot, changed_fields=["team"])
    else:
        payload = routing.AgentDeactivated(agent=snapshot)
    return CloudEvent.wrap(payload, source="routing", subject=agent_id, correlation_id="req-agents")


@pytest.fixture
def feed(engine: Engine) -> Callable[[CloudEvent], None]:
    """Apply an event with the service's handler for its type, in one transaction."""

    def apply(event: CloudEvent) -> None:
        with transaction(engine) as session:
            HANDLERS[event.type](session, event)

    return apply


@pytest.fixture
def teams(client: httpx.Client, feed: Callable[[CloudEvent], None]) -> None:
    """A1 and A2 in team north, B1 in team south, as routing's agent events tell (after `client`
    emptied the database)."""
    feed(agent_event("created", A1, "north"))
    feed(agent_event("created", A2, "north"))
    feed(agent_event("created", B1, "south"))


@pytest.fixture
def world(teams: None, api: Any, client: httpx.Client, admin: dict[str, str]) -> dict[str, str]:
    """Contacts by name (ids), each with a phone of its own and one interaction:

    own: owner A1 | assigned: owner B1, assignee A1 | team: owner A2 | team_assigned: no owner,
    assignee A2 | other: owner B1 | nobody: no owner | manager_own: owner MANAGER_AGENT.
    `own` and `other` also share SHARED_PHONE.
    """
    setups: dict[str, dict[str, Any]] = {
        "own": {"owner_id": A1},
        "assigned": {"owner_id": B1, "assignee_ids": [A1]},
        "team": {"owner_id": A2},
        "team_assigned": {"assignee_ids": [A2]},
        "other": {"owner_id": B1},
        "nobody": {},
        "manager_own": {"owner_id": MANAGER_AGENT},
    }
    ids: dict[str, str] = {}
    for index, name in enumerate(NAMES):
        phones = [{"number": f"+1415555010{index}"}]
        if name in ("own", "other"):
            phones.append({"number": SHARED_PHONE})
        created = api.create_contact(first_name=name, phones=phones, **setups[name])
        ids[name] = created["id"]
        api.log_interaction(created["id"], subject=f"About {name}")
    return ids
