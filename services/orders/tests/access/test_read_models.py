"""The read models row-level access is decided on, fed over the real broker: contacts' owners and
assignees from `contacts.contact.*`, agents' teams from `routing.agent.*`; an older snapshot read
after a newer one changes nothing, and a merged contact's records follow the survivor."""

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from kafka import KafkaProducer
from sqlalchemy import Engine, text

from crm_common.events import contacts, routing
from crm_common.events.envelope import CloudEvent
from crm_common.testing import publish
from crm_orders.handlers import GROUP

T0 = datetime(2030, 3, 1, 9, 30, tzinfo=UTC)
Headers = Callable[..., dict[str, str]]


def processed(engine: Engine, event: CloudEvent) -> bool:
    with engine.connect() as conn:
        query = text("SELECT COUNT(*) FROM processed_events WHERE consumer = :c AND event_id = :e")
        # SQLite stores the UUID as 32 hex digits, PostgreSQL as a uuid.
        event_id = event.id.hex if engine.dialect.name == "sqlite" else event.id
        return conn.execute(query, {"c": GROUP, "e": event_id}).scalar_one() == 1


def person(
    contact_id: uuid.UUID, version: int, owner: str | None, assignees: tuple[str, ...] = ()
) -> contacts.ContactSnapshot:
    return contacts.ContactSnapshot(
        id=contact_id, kind="person", first_name="Grace", owner_id=owner,
        assignee_ids=list(assignees), lifecycle_stage="customer", version=version,
        created_at=T0, updated_at=T0,
    )  # fmt: skip


def agent(agent_id: uuid.UUID, team: str | None, version: int) -> routing.AgentSnapshot:
    return routing.AgentSnapshot(
        id=agent_id, name="Ada", extension="+14155550123", skills={}, max_concurrent_chats=1,
        team=team, presence="offline", active=True, version=version, created_at=T0,
        updated_at=T0,
    )  # fmt: skip


def eventually(check: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the read model did not catch up in time"
        time.sleep(0.2)


def test_events_decide_who_sees_a_contacts_orders(
    client: httpx.Client, api: Any, as_role: Headers, producer: KafkaProducer, engine: Engine
) -> None:
    owner, assignee, teammate = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    survivor, duplicate = uuid.uuid4(), uuid.uuid4()
    product = api.create_product()
    order = api.create_order(product["id"], contact_id=str(duplicate))["id"]
    as_owner = as_role("agent", agent_id=str(owner))
    as_assignee = as_role("agent", agent_id=str(assignee))
    as_manager = as_role("manager", team="north")

    def sees(headers: dict[str, str]) -> bool:
        return client.get(f"/v1/orders/{order}", headers=headers).status_code == 200

    assert not sees(as_owner)  # a contact not heard of yet is nobody's
    publish(producer, contacts.ContactCreated(contact=person(duplicate, 1, str(owner))), duplicate)
    eventually(lambda: sees(as_owner))
    assert not sees(as_assignee) and not sees(as_manager)

    # The duplicate is merged into a contact that the assignee works on: its orders follow it.
    merged = contacts.ContactMerged(
        survivor_id=survivor,
        duplicate_id=duplicate,
        survivor=person(survivor, 3, str(teammate), (str(assignee),)),
    )
    publish(producer, merged, survivor)
    eventually(lambda: sees(as_assignee) and not sees(as_owner))

    # A manager sees it once routing says the survivor's owner is on its team.
    publish(producer, routing.AgentCreated(agent=agent(teammate, "north", 1)), teammate)
    eventually(lambda: sees(as_manager))

    # An older snapshot read late changes nothing (it would hide the order from both)...
    stale = contacts.ContactUpdated(contact=person(survivor, 2, None), changed_fields=["owner_id"])
    late = publish(producer, stale, survivor)
    eventually(lambda: processed(engine, late))
    assert sees(as_assignee) and sees(as_manager)
    # ...a newer one does; and so does the agent's move to another team.
    newer = contacts.ContactUpdated(
        contact=person(survivor, 4, str(teammate)), changed_fields=["assignee_ids"]
    )
    publish(producer, newer, survivor)
    eventually(lambda: not sees(as_assignee))
    assert sees(as_manager)
    moved = routing.AgentUpdated(agent=agent(teammate, "south", 2), changed_fields=["team"])
    publish(producer, moved, teammate)
    eventually(lambda: not sees(as_manager))
