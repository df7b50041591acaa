"""Events on the real broker: `crm.contacts` and `crm.orders` feed the read models a ringing call
is routed by, and a finished call reaches `crm.routing` through the outbox."""

import json
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from kafka import KafkaProducer

from crm_common.broker import LocalBroker
from crm_common.events import contacts, orders, routing
from crm_common.kafka import make_consumer
from crm_common.testing import publish

T0 = datetime(2030, 3, 1, 9, 30, tzinfo=UTC)
PHONE = "+14155550177"


def contact(
    contact_id: uuid.UUID,
    owner_id: str | None,
    version: int = 1,
    phone: str = PHONE,
    assignee_ids: tuple[str, ...] = (),
) -> contacts.ContactSnapshot:
    return contacts.ContactSnapshot(
        id=contact_id, kind="person", first_name="Grace", last_name="Hopper",
        phones=[contacts.PhonePoint(number=phone)], owner_id=owner_id,
        assignee_ids=list(assignee_ids), lifecycle_stage="customer", version=version,
        created_at=T0, updated_at=T0,
    )  # fmt: skip


def order(contact_id: uuid.UUID, total: str, category: str) -> orders.OrderSnapshot:
    line = {
        "line_no": 1, "product_id": uuid.uuid4(), "sku": "S", "name": "N", "category": category,
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


def wait_for(check: Any, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def test_read_models_route_the_caller_and_the_finished_call_is_published(
    client: httpx.Client,
    api: Any,
    admin: dict[str, str],
    producer: KafkaProducer,
    broker: LocalBroker,
) -> None:
    owner = api.create_agent(name="Owner", skills={})
    expert = api.create_agent(ready=True, name="Golf expert", skills={"golf": 5})
    api.create_agent(ready=True, name="Ski", skills={"ski": 5})
    contact_id = uuid.uuid4()
    publish(producer, contacts.ContactCreated(contact=contact(contact_id, owner["id"])), contact_id)
    first = order(contact_id, "12000.00", "golf")
    publish(producer, orders.OrderPlaced(order=first), first.id)
    second = order(contact_id, "50.00", "golf")
    publish(producer, orders.OrderPlaced(order=second), second.id)
    publish(
        producer,
        orders.OrderCancelled(
            order=second.model_copy(update={"status": "cancelled", "version": 2})
        ),
        second.id,
    )

    def popped() -> dict[str, Any] | None:
        call_id = f"probe-{uuid.uuid4()}"
        api.call(call_id, "ringing", **{"from": PHONE})
        pop = client.get(f"/v1/calls/{call_id}/screen-pop", headers=admin).json()
        api.call(call_id, "abandoned")
        done = pop["caller"]["contact_id"] and pop["open_orders"] and len(pop["recent_orders"]) == 2
        done = done and "cancelled" in {o["status"] for o in pop["recent_orders"]}
        return pop if done else None

    pop = wait_for(popped)
    assert pop["caller"] == {
        "number": PHONE, "contact_id": str(contact_id), "name": "Grace Hopper",
        "owner_id": owner["id"], "lifecycle_stage": "customer",
    }  # fmt: skip
    assert pop["total_spent"] == [{"amount": "12000.00", "currency": "EUR"}]
    assert pop["categories_bought"] == {"golf": 1}
    # The owner is offline: the expert of the category the caller bought goes first.
    call_id = f"c-{uuid.uuid4()}"
    answer = api.call(call_id, "ringing", **{"from": PHONE})
    assert answer["agent_id"] == expert["id"]
    assert api.get_call(call_id)["priority"] == 70  # customer 20 + VIP 50
    api.call(call_id, "answered")
    api.call(call_id, "ended")

    consumer = make_consumer(broker.bootstrap, f"routing-test-{uuid.uuid4()}", [routing.TOPIC])
    try:

        def ended() -> dict[str, Any] | None:
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    event = json.loads(record.value)
                    if event["type"] == "routing.call.ended.v1" and event["subject"] == call_id:
                        return dict(event)
            return None

        event = wait_for(ended)
    finally:
        consumer.close()
    data = event["data"]
    assert (data["call_id"], data["agent_id"], data["contact_id"], data["category"]) == (
        call_id, expert["id"], str(contact_id), "golf",
    )  # fmt: skip
    assert data["duration_seconds"] >= 0 and data["from_number"] == PHONE


def test_an_agent_assigned_to_a_contact_sees_its_calls_while_assigned(
    client: httpx.Client,
    api: Any,
    admin: dict[str, str],
    as_role: Any,
    producer: KafkaProducer,
) -> None:
    phone = "+14155550178"
    assignee = api.create_agent(name="Assignee", skills={})
    assigned = as_role("agent", agent_id=assignee["id"])
    contact_id = uuid.uuid4()
    snapshot = contact(contact_id, None, phone=phone, assignee_ids=(assignee["id"],))
    publish(producer, contacts.ContactCreated(contact=snapshot), contact_id)

    def known_call() -> str | None:
        call_id = f"c-{uuid.uuid4()}"
        api.call(call_id, "ringing", **{"from": phone})
        api.call(call_id, "abandoned")
        linked = client.get(f"/v1/calls/{call_id}", headers=admin).json()["contact_id"]
        return call_id if linked == str(contact_id) else None

    call_id = wait_for(known_call)
    assert client.get(f"/v1/calls/{call_id}", headers=assigned).status_code == 200
    unassigned = snapshot.model_copy(update={"assignee_ids": [], "version": 2})
    publish(
        producer,
        contacts.ContactUpdated(contact=unassigned, changed_fields=["assignee_ids"]),
        contact_id,
    )
    wait_for(lambda: client.get(f"/v1/calls/{call_id}", headers=assigned).status_code == 404)
