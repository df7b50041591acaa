"""Web sessions over HTTP: beacons, engagement once per session, the offer to the right agent."""

import json
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, text
from sqlmodel import Session

from crm_routing.readmodel.models import KnownContact

PROBLEM = "https://rapport.dev/problems/"
T0 = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
ENGAGED = "routing.web_session.engaged.v1"


def beacon(
    n: int, session_id: str = "s-1", visitor_id: str = "v-1", **overrides: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "visitor_id": visitor_id,
        "session_id": session_id,
        "url": f"https://shop.example.com/ski/page-{n}",
        "category": "ski",
        "title": f"Page {n}",
        "occurred_at": (T0 + timedelta(seconds=10 * n)).isoformat(),
    }
    body.update(overrides)
    return body


def post(
    client: httpx.Client, headers: dict[str, str], *events: dict[str, Any], status: int = 200
) -> dict[str, Any]:
    response = client.post("/v1/web/events", json={"events": list(events)}, headers=headers)
    assert response.status_code == status, response.text
    return dict(response.json())


def known_contact(engine: Engine, owner_id: str | None) -> uuid.UUID:
    contact_id = uuid.uuid4()
    with Session(engine) as session:
        session.add(
            KnownContact(
                id=contact_id, name="Grace Hopper", owner_id=owner_id,
                lifecycle_stage="customer", version=1,
            )
        )  # fmt: skip
        session.commit()
    return contact_id


def engaged_events(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT envelope FROM outbox WHERE event_type = :t ORDER BY seq"), {"t": ENGAGED}
        ).all()
    return [json.loads(row[0])["data"] for row in rows]


def test_the_fifth_page_view_engages_and_offers_the_expert(
    client: httpx.Client, api: Any, admin: dict[str, str], engine: Engine, count: Any
) -> None:
    api.create_agent(ready=True, name="Novice", skills={"ski": 1})
    expert = api.create_agent(ready=True, name="Expert", skills={"ski": 5, "golf": 1})
    golf = api.create_agent(ready=True, name="Golfer", skills={"golf": 5})

    answers = [post(client, admin, beacon(n)) for n in range(1, 5)]
    fifth = post(client, admin, beacon(5, category="golf"), beacon(6))

    assert answers == [{"offer": None}] * 4
    assert fifth == {
        "offer": {
            "type": "chat",
            "agent_id": expert["id"],
            "agent_name": "Expert",
            "session_id": "s-1",
        }
    }
    assert golf["id"] != expert["id"]
    assert (count("web_page_views"), count("web_sessions"), count("web_visitors")) == (6, 1, 1)
    [event] = engaged_events(engine)
    assert (event["session_id"], event["rule"], event["category"], event["page_views"]) == (
        "s-1",
        "default",
        "ski",
        6,
    )
    assert [p["url"] for p in event["pages"]][:2] == [
        "https://shop.example.com/ski/page-1",
        "https://shop.example.com/ski/page-2",
    ]
    assert event["offer"] == {"type": "chat", "agent_id": expert["id"], "agent_name": "Expert"}


def test_a_session_engages_once(
    client: httpx.Client, api: Any, admin: dict[str, str], engine: Engine
) -> None:
    api.create_agent(ready=True, max_concurrent_chats=5)
    first = post(client, admin, *[beacon(n) for n in range(1, 6)])
    later = post(client, admin, beacon(6), beacon(7))
    assert first["offer"]["type"] == "chat"
    assert later == {"offer": None}
    assert len(engaged_events(engine)) == 1


def test_a_known_device_goes_to_the_contacts_owner(
    client: httpx.Client, api: Any, admin: dict[str, str], engine: Engine
) -> None:
    owner = api.create_agent(ready=True, name="Owner", skills={"golf": 2})
    api.create_agent(ready=True, name="Expert", skills={"ski": 5})
    contact_id = known_contact(engine, owner["id"])
    post(client, admin, beacon(1, session_id="s-old", contact_id=str(contact_id)))

    answer = post(client, admin, *[beacon(n, session_id="s-new") for n in range(1, 6)])

    assert answer["offer"] == {
        "type": "chat",
        "agent_id": owner["id"],
        "agent_name": "Owner",
        "session_id": "s-new",
    }
    assert engaged_events(engine)[0]["contact_id"] == str(contact_id)


def test_an_owner_on_a_call_offers_a_callback(
    client: httpx.Client, api: Any, admin: dict[str, str], engine: Engine
) -> None:
    owner = api.create_agent(ready=True, name="Owner")
    contact_id = known_contact(engine, owner["id"])
    api.call("c-1", "ringing", **{"from": "+14155550199"})
    assert api.get_agent(owner["id"])["current_call_id"] == "c-1"

    events = [beacon(n, contact_id=str(contact_id)) for n in range(1, 6)]
    answer = post(client, admin, *events)

    assert (answer["offer"]["type"], answer["offer"]["agent_id"]) == ("callback", owner["id"])


def test_a_full_agent_is_passed_over_and_nobody_ready_means_no_offer(
    client: httpx.Client, api: Any, admin: dict[str, str]
) -> None:
    api.create_agent(name="Away", skills={"ski": 5})
    only = api.create_agent(ready=True, name="Only", max_concurrent_chats=1)

    first = post(client, admin, *[beacon(n, session_id="s-1") for n in range(1, 6)])
    second = post(client, admin, *[beacon(n, session_id="s-2") for n in range(1, 6)])

    assert first["offer"]["agent_id"] == only["id"]
    assert second == {"offer": None}


def test_no_offer_without_an_expert_of_the_category(
    client: httpx.Client, api: Any, admin: dict[str, str], engine: Engine
) -> None:
    api.create_agent(ready=True, name="Golfer", skills={"golf": 5})
    answer = post(client, admin, *[beacon(n) for n in range(1, 6)])
    assert answer == {"offer": None}
    [event] = engaged_events(engine)
    assert event["offer"] is None


def test_no_offer_while_the_call_queue_is_long(
    client: httpx.Client, api: Any, admin: dict[str, str]
) -> None:
    api.create_agent(ready=True, name="Skier", skills={"ski": 5})
    for n in range(6):  # nobody takes golf calls: they queue
        assert api.call(f"c-{n}", "ringing", category="golf")["action"] == "queue"
    answer = post(client, admin, *[beacon(n) for n in range(1, 6)])
    assert answer == {"offer": None}


def test_a_batch_answers_with_the_last_engaged_session(
    client: httpx.Client, api: Any, admin: dict[str, str]
) -> None:
    api.create_agent(ready=True, name="A", max_concurrent_chats=5)
    events = [
        beacon(n, session_id=s, visitor_id=f"v-{s}") for s in ("s-1", "s-2") for n in range(5)
    ]
    events.append(beacon(1, session_id="s-3", visitor_id="v-3"))
    answer = post(client, admin, *events)
    assert answer["offer"]["session_id"] == "s-2"


def test_a_sequence_rule_engages_before_the_fifth_page(
    client: httpx.Client, api: Any, admin: dict[str, str], engine: Engine
) -> None:
    agent = api.create_agent(ready=True, skills={"product": 3})
    rule = {
        "name": "Products then prices",
        "kind": "sequence",
        "steps": [{"category": "product"}, {"category": "product"}, {"url": "/prices*"}],
    }
    created = client.post("/v1/engagement-rules", json=rule, headers=admin)
    assert created.status_code == 201, created.text

    first = post(
        client,
        admin,
        beacon(1, category="product", url="/p/1"),
        beacon(2, category=None, url="/prices"),
    )
    second = post(
        client,
        admin,
        beacon(3, category="product", url="/p/2"),
        beacon(4, category=None, url="/prices/ski"),
    )

    assert first == {"offer": None}
    assert second["offer"]["agent_id"] == agent["id"]
    assert engaged_events(engine)[0]["rule"] == "Products then prices"


def test_bad_batches_are_422_and_store_nothing(
    client: httpx.Client, admin: dict[str, str], count: Callable[[str], int]
) -> None:
    cases: list[tuple[Any, str]] = [
        ({"events": [beacon(1), beacon(2, url="ftp://x/y")]}, "body.events.1.url"),
        ({"events": [beacon(1), {**beacon(2), "occurred_at": "2030-03-01T09:00:00"}]},
         "body.events.1.occurred_at"),
        ({"events": [beacon(1, session_id="bad id")]}, "body.events.0.session_id"),
        ({"events": [beacon(1), beacon(2, visitor_id="v-2")]}, "body.events.1.visitor_id"),
        ({"events": []}, "body.events"),
        ({"events": [beacon(1)] * 501}, "body.events"),
        (beacon(1), "body.events"),
    ]  # fmt: skip
    for body, field in cases:
        response = client.post("/v1/web/events", json=body, headers=admin)
        assert response.status_code == 422, (field, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == field
    post(client, admin, beacon(1))
    other = post(client, admin, beacon(2, visitor_id="v-2"), status=422)
    assert other["errors"][0]["field"] == "body.events.0.visitor_id"
    assert (count("web_page_views"), count("web_sessions")) == (1, 1)


def test_roles(client: httpx.Client, as_role: Any) -> None:
    body = {"events": [beacon(1)]}
    assert client.post("/v1/web/events", json=body, headers=as_role("website")).status_code == 200
    assert client.post("/v1/web/events", json=body, headers=as_role("agent")).status_code == 200
    assert client.post("/v1/web/events", json=body, headers=as_role("erp")).status_code == 403
    assert client.post("/v1/web/events", json=body).status_code == 401
    website = "/v1/integrations/web/events"
    assert client.post(website, json=body, headers=as_role("website")).status_code == 200
    assert client.post(website, json=body, headers=as_role("agent")).status_code == 403
    rule = {"name": "Deep", "kind": "depth", "threshold": 3}
    refused = client.post("/v1/engagement-rules", json=rule, headers=as_role("website"))
    assert refused.status_code == 403
    assert client.get("/v1/engagement-rules", headers=as_role("website")).status_code == 403


def test_concurrent_beacons_of_a_new_session_engage_it_once(
    server: Any, api: Any, admin: dict[str, str], engine: Engine, count: Any
) -> None:
    api.create_agent(ready=True, max_concurrent_chats=20)
    body = {"events": [beacon(n, session_id="s-race") for n in range(1, 6)]}

    def send(_: int) -> dict[str, Any]:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            response = http.post("/v1/web/events", json=body, headers=admin)
            assert response.status_code == 200, response.text
            return dict(response.json())

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(send, range(8)))

    assert sum(answer["offer"] is not None for answer in answers) == 1
    assert len(engaged_events(engine)) == 1
    assert (count("web_sessions"), count("web_visitors"), count("web_page_views")) == (1, 1, 40)


def test_a_publishable_key_cannot_tie_a_device_to_a_contact(
    client: httpx.Client, api: Any, as_role: Any, engine: Engine
) -> None:
    owner = api.create_agent(ready=True, name="Owner", skills={"golf": 2})
    expert = api.create_agent(ready=True, name="Expert", skills={"ski": 5})
    contact_id = known_contact(engine, owner["id"])
    publishable = as_role("publishable")
    claimed = {"events": [beacon(1, session_id="s-old", contact_id=str(contact_id))]}
    pages = {"events": [beacon(n, session_id="s-new") for n in range(1, 6)]}

    first = client.post("/v1/integrations/web/events", json=claimed, headers=publishable)
    answer = client.post("/v1/integrations/web/events", json=pages, headers=publishable)

    assert first.status_code == 200, first.text
    # The device is not taken for the contact's: the offer goes to the expert, not the owner.
    assert answer.json()["offer"]["agent_id"] == expert["id"]
    assert engaged_events(engine)[0]["contact_id"] is None
    assert client.post("/v1/web/events", json=pages, headers=publishable).status_code == 403
