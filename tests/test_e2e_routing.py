"""A caller reaches the right person: contacts and orders publish who the caller is and what they
bought, routing builds its read models from those events alone, and the telephony platform's call
through the gateway is connected to the contact's owner, with a screen pop of their history."""

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from .conftest import System
from .kafka_reader import events_for


def eventually(probe: Callable[[], Any], timeout: float = 30.0) -> Any:
    """`probe()` once it is truthy (its last value when time runs out)."""
    deadline = time.monotonic() + timeout
    value = probe()
    while not value and time.monotonic() < deadline:
        time.sleep(0.2)
        value = probe()
    return value


def _agent(admin: httpx.Client, name: str, extension: str, skills: dict[str, int]) -> str:
    created = admin.post(
        "/v1/agents",
        json={"name": name, "extension": extension, "skills": skills, "languages": ["en"]},
    )
    assert created.status_code == 201, created.text
    agent_id = str(created.json()["id"])
    ready = admin.put(f"/v1/agents/{agent_id}/presence", json={"status": "ready"})
    assert ready.status_code == 200, ready.text
    return agent_id


def test_a_known_caller_is_connected_to_their_owner_with_a_screen_pop(system: System) -> None:
    partner, website, telephony = (system.new_key(r) for r in ("partner", "website", "telephony"))
    suffix = uuid.uuid4().hex[:6]
    with (
        system.client(system.admin_key) as admin,
        system.client(partner) as p,
        system.client(website) as site,
        system.client(telephony) as pbx,
    ):
        owner = _agent(admin, f"Owner {suffix}", "sip:owner@pbx", {"lighting": 1})
        expert = _agent(admin, f"Expert {suffix}", "+1 415 555 0142", {"lighting": 5})
        number = f"+1415555{uuid.uuid4().int % 10_000:04d}"
        contact = p.post(
            "/v1/contacts",
            json={
                "kind": "person",
                "first_name": "Grace",
                "last_name": "Hopper",
                "owner_id": owner,
                "phones": [{"number": number, "label": "mobile"}],
            },
        )
        assert contact.status_code == 201, contact.text
        cid = contact.json()["id"]
        product = admin.post(
            "/v1/products",
            json={
                "sku": f"LAMP-{suffix}",
                "name": "Lamp",
                "category": "lighting",
                "base_price": "80.00",
                "currency": "EUR",
            },
        )
        assert product.status_code == 201, product.text
        order = site.post(
            "/v1/orders",
            json={
                "contact_id": cid,
                "currency": "EUR",
                "lines": [{"product_id": product.json()["id"], "options": {}, "quantity": 2}],
                "delivery_address": {
                    "line1": "1 Navy Yard",
                    "postal_code": "10115",
                    "city": "Berlin",
                    "country": "DE",
                },
            },
        )
        assert order.status_code == 201, order.text

        # An unknown caller asking for lighting goes to the best expert; a call that is not
        # picked up is given up, and the expert is free again.
        stranger = pbx.post(
            "/v1/integrations/telephony/calls",
            json={
                "call_id": f"s-{suffix}",
                "event": "ringing",
                "from": "anonymous",
                "category": "lighting",
            },
        )
        assert stranger.status_code == 200, stranger.text
        assert (stranger.json()["action"], stranger.json()["agent_id"]) == ("connect", expert)
        gone = pbx.post(
            "/v1/integrations/telephony/calls",
            json={"call_id": f"s-{suffix}", "event": "abandoned"},
        )
        assert gone.status_code == 200, gone.text

        call_id = f"c-{suffix}"

        def ring() -> dict[str, Any]:
            # The caller dials in the national format; routing matches them by E.164.
            answer = pbx.post(
                "/v1/integrations/telephony/calls",
                json={
                    "call_id": call_id,
                    "event": "ringing",
                    "from": f"({number[2:5]}) {number[5:8]}-{number[8:]}",
                },
            )
            assert answer.status_code == 200, answer.text
            return dict(answer.json())

        def recognised(decision: dict[str, Any]) -> bool:
            """Connected to the owner as the caller they are (the owner may also be picked as the
            agent idle longest for a caller routing does not know yet)."""
            known = admin.get(f"/v1/calls/{decision['call_id']}").json()["contact_id"] == cid
            return known and decision["agent_id"] == owner

        decision = ring()
        deadline = time.monotonic() + 30
        while not recognised(decision) and time.monotonic() < deadline:
            # The read model was not there yet: give this call up and let the caller ring again.
            pbx.post(
                "/v1/integrations/telephony/calls",
                json={"call_id": call_id, "event": "abandoned"},
            )
            call_id = f"c-{suffix}-{uuid.uuid4().hex[:4]}"
            time.sleep(0.3)
            decision = ring()
        assert decision == {
            "call_id": call_id,
            "status": "assigned",
            "action": "connect",
            "agent_id": owner,
            "extension": "sip:owner@pbx",
            "screen_pop_url": f"/v1/calls/{call_id}/screen-pop",
            "position": None,
            "expected_wait_seconds": None,
        }

        def screen_pop() -> dict[str, Any] | None:
            found = admin.get(decision["screen_pop_url"]).json()
            return found if found["total_spent"] else None

        pop = eventually(screen_pop)
        assert pop is not None
        assert pop["caller"]["contact_id"] == cid
        assert pop["caller"]["name"] == "Grace Hopper"
        assert pop["caller"]["owner_id"] == owner
        assert pop["total_spent"] == [{"amount": "160.00", "currency": "EUR"}]
        assert pop["categories_bought"] == {"lighting": 1}
        assert [o["number"] for o in pop["open_orders"]] == [order.json()["number"]]
        # The telephony platform reaches its integration only.
        assert pbx.get(decision["screen_pop_url"]).status_code == 403
        assert pbx.get("/v1/agents").status_code == 403

        for event in ("answered", "ended"):
            step = pbx.post(
                "/v1/integrations/telephony/calls", json={"call_id": call_id, "event": event}
            )
            assert step.status_code == 200, step.text
        assert admin.get(f"/v1/calls/{call_id}").json()["status"] == "ended"

    ended = events_for(system.broker.bootstrap, "crm.routing", call_id, expect=2)
    types = [e["type"] for e in ended]
    assert "routing.call.ended.v1" in types
    finished = next(e for e in ended if e["type"] == "routing.call.ended.v1")
    assert (finished["data"]["agent_id"], finished["data"]["contact_id"]) == (owner, cid)

    # The contacts service puts the finished call on the caller's timeline, once.
    with system.client(system.admin_key) as admin:

        def calls_on_timeline() -> list[dict[str, Any]]:
            items = admin.get(f"/v1/contacts/{cid}/interactions").json()["items"]
            return [i for i in items if i["channel"] == "call"]

        timeline = eventually(calls_on_timeline)
        assert [(i["agent_id"], i["metadata"]["call_id"]) for i in timeline] == [(owner, call_id)]
