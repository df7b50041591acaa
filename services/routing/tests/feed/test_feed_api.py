"""The agents' feed over a real server-sent-event connection: offers with the visitor's pages and
the contact summary, assigned calls, resuming after `Last-Event-ID`, errors and roles."""

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from crm_routing.readmodel.models import (
    CustomerOpportunity,
    CustomerOrder,
    KnownContact,
    KnownPhone,
)

PROBLEM = "https://rapport.dev/problems/"
T0 = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
SSE_TIMEOUT = httpx.Timeout(10.0)


def beacon(n: int, session_id: str = "s-1", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "visitor_id": f"v-{session_id}",
        "session_id": session_id,
        "url": f"https://shop.example.com/ski/page-{n}",
        "category": "ski",
        "title": f"Page {n}",
        "occurred_at": (T0 + timedelta(seconds=10 * n)).isoformat(),
    }
    body.update(overrides)
    return body


def engage(
    client: httpx.Client, headers: dict[str, str], session_id: str, **overrides: Any
) -> dict[str, Any]:
    """Five page views: the default rule engages the session; the answer's offer."""
    events = [beacon(n, session_id, **overrides) for n in range(1, 6)]
    response = client.post("/v1/web/events", json={"events": events}, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def read_events(
    client: httpx.Client,
    url: str,
    headers: dict[str, str],
    count: int,
    *,
    comments: list[str] | None = None,
) -> list[dict[str, Any]]:
    """The first `count` events of the stream at `url` (id, event, data), then disconnect."""
    frames: list[dict[str, Any]] = []
    with client.stream("GET", url, headers=headers, timeout=SSE_TIMEOUT) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        buffer = ""
        for chunk in response.iter_text():
            buffer += chunk
            while "\n\n" in buffer:
                raw, buffer = buffer.split("\n\n", 1)
                if raw.startswith(":"):
                    if comments is not None:
                        comments.append(raw)
                    continue
                fields = dict(line.split(": ", 1) for line in raw.split("\n"))
                frames.append(
                    {
                        "id": int(fields["id"]),
                        "event": fields["event"],
                        "data": json.loads(fields["data"]),
                    }
                )
                if len(frames) == count:
                    return frames
    raise AssertionError(f"the stream ended after {len(frames)} of {count} events")


def customer(engine: Engine, owner_id: str) -> uuid.UUID:
    """A contact in the read models with one delivered order and an open opportunity."""
    contact_id = uuid.uuid4()
    with Session(engine) as session:
        session.add(
            KnownContact(
                id=contact_id, name="Grace Hopper", owner_id=owner_id,
                lifecycle_stage="customer", version=1,
            )
        )  # fmt: skip
        session.flush()
        session.add(
            CustomerOrder(
                id=uuid.uuid4(), contact_id=contact_id, number="R-1", status="delivered",
                currency="EUR", total=Decimal("1250.5"), categories=["ski", "ski"], version=1,
            )
        )  # fmt: skip
        session.add(
            CustomerOpportunity(
                id=uuid.uuid4(), contact_id=contact_id, title="Chalet", stage="proposal",
                amount=Decimal("900"), currency="EUR", open=True, version=1,
            )
        )  # fmt: skip
        session.commit()
    return contact_id


def test_an_offer_reaches_the_agents_feed_with_pages_and_the_contact(
    client: httpx.Client, api: Any, admin: dict[str, str], engine: Engine
) -> None:
    agent = api.create_agent(ready=True, name="Owner")
    contact_id = customer(engine, agent["id"])
    answer = engage(client, admin, "s-1", contact_id=str(contact_id))
    assert answer["offer"]["agent_id"] == agent["id"]

    [event] = read_events(client, f"/v1/agents/{agent['id']}/feed", admin, 1)

    assert event["event"] == "web.offer"
    data = event["data"]
    assert data["kind"] == "web.offer"
    assert (data["offer_type"], data["session_id"], data["visitor_id"]) == ("chat", "s-1", "v-s-1")
    assert (data["category"], data["rule"], data["page_views"]) == ("ski", "default", 5)
    assert [p["url"] for p in data["pages"]] == [
        f"https://shop.example.com/ski/page-{n}" for n in range(1, 6)
    ]
    assert data["pages"][0] == {
        "url": "https://shop.example.com/ski/page-1",
        "category": "ski",
        "title": "Page 1",
        "occurred_at": "2030-03-01T09:00:10Z",
    }
    assert data["contact"] == {
        "id": str(contact_id),
        "name": "Grace Hopper",
        "owner_id": agent["id"],
        "lifecycle_stage": "customer",
        "total_spent": [{"amount": "1250.50", "currency": "EUR"}],
        "categories_bought": {"ski": 2},
        "open_orders": 0,
        "open_opportunities": 1,
    }


def test_an_unknown_visitor_has_no_contact_and_others_feeds_stay_quiet(
    client: httpx.Client, api: Any, admin: dict[str, str]
) -> None:
    expert = api.create_agent(ready=True, name="Expert", skills={"ski": 5})
    other = api.create_agent(ready=True, name="Other", skills={"ski": 1})
    engage(client, admin, "s-1")
    engage(client, admin, "s-2")  # the expert's one chat place is held by the first offer

    [first] = read_events(client, f"/v1/agents/{expert['id']}/feed", admin, 1)
    [second] = read_events(client, f"/v1/agents/{other['id']}/feed", admin, 1)

    assert (first["data"]["session_id"], first["data"]["contact"]) == ("s-1", None)
    assert (second["data"]["session_id"], second["data"]["offer_type"]) == ("s-2", "chat")
    assert second["id"] > first["id"]


def test_the_feed_resumes_after_last_event_id_or_after(
    client: httpx.Client, api: Any, admin: dict[str, str]
) -> None:
    agent = api.create_agent(ready=True, max_concurrent_chats=5)
    for n in range(1, 4):
        engage(client, admin, f"s-{n}")
    url = f"/v1/agents/{agent['id']}/feed"

    everything = read_events(client, url, admin, 3)
    ids = [e["id"] for e in everything]
    resumed = read_events(client, url, {**admin, "Last-Event-ID": str(ids[0])}, 2)
    after = read_events(client, f"{url}?after={ids[1]}", admin, 1)
    header_wins = read_events(client, f"{url}?after=0", {**admin, "Last-Event-ID": str(ids[1])}, 1)

    assert [e["data"]["session_id"] for e in everything] == ["s-1", "s-2", "s-3"]
    assert ids == sorted(ids)
    assert [e["id"] for e in resumed] == ids[1:]
    assert [e["id"] for e in after] == ids[2:]
    assert [e["id"] for e in header_wins] == ids[2:]


def test_new_items_arrive_on_an_open_feed(
    client: httpx.Client, api: Any, admin: dict[str, str], server: Any
) -> None:
    agent = api.create_agent(ready=True, max_concurrent_chats=5)
    engage(client, admin, "s-1")
    url = f"{server.url}/v1/agents/{agent['id']}/feed"
    with (
        httpx.Client(timeout=SSE_TIMEOUT) as streaming,
        streaming.stream("GET", url, headers=admin) as response,
    ):
        lines = response.iter_lines()
        seen: list[str] = []
        for line in lines:
            if line.startswith("data: "):
                seen.append(json.loads(line[6:])["session_id"])
                if seen == ["s-1"]:
                    engage(client, admin, "s-2")  # written while the stream is open
                if len(seen) == 2:
                    break
    assert seen == ["s-1", "s-2"]


def test_an_assigned_call_reaches_the_feed(
    client: httpx.Client, api: Any, admin: dict[str, str], engine: Engine
) -> None:
    agent = api.create_agent(ready=True, skills={"ski": 5})
    contact_id = customer(engine, agent["id"])
    with Session(engine) as session:
        session.add(KnownPhone(number="+14155550199", contact_id=contact_id))
        session.commit()

    ringing = api.call("c-9", "ringing", **{"from": "+14155550199", "category": "ski"})
    [event] = read_events(client, f"/v1/agents/{agent['id']}/feed", admin, 1)

    assert (ringing["action"], ringing["agent_id"]) == ("connect", agent["id"])
    assert event["event"] == "call.assigned"
    data = event["data"]
    assert (data["call_id"], data["from_number"], data["category"]) == (
        "c-9",
        "+14155550199",
        "ski",
    )
    assert (data["contact_id"], data["contact_name"]) == (str(contact_id), "Grace Hopper")
    assert data["screen_pop_url"] == "/v1/calls/c-9/screen-pop" == ringing["screen_pop_url"]
    assert data["queued_seconds"] == 0.0


def test_feed_errors_and_roles(
    client: httpx.Client,
    api: Any,
    admin: dict[str, str],
    as_role: Callable[..., dict[str, str]],
) -> None:
    agent = api.create_agent(team="desk")
    url = f"/v1/agents/{agent['id']}/feed"

    unknown = client.get(f"/v1/agents/{uuid.uuid4()}/feed", headers=admin)
    not_an_id = client.get("/v1/agents/nope/feed", headers=admin)
    bad_resume = client.get(url, headers={**admin, "Last-Event-ID": "yesterday"})
    negative = client.get(f"{url}?after=-1", headers=admin)
    website = client.get(url, headers=as_role("website"))
    anonymous = client.get(url)

    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert unknown.json()["type"] == PROBLEM + "agent-not-found"
    assert not_an_id.status_code == 422
    assert bad_resume.status_code == 422
    assert bad_resume.json()["errors"][0]["field"] == "header.Last-Event-ID"
    assert negative.status_code == 422
    assert (website.status_code, anonymous.status_code) == (403, 401)
    # An agent's key follows its own agent's feed only.
    unlinked = client.get(url, headers=as_role("agent"))
    other = client.get(url, headers=as_role("agent", agent_id=str(uuid.uuid4())))
    assert (unlinked.status_code, other.status_code) == (403, 403)
    # A manager follows its team's agents' feeds (CRM_ROUTING_ROW_ACCESS=scoped).
    other_team = client.get(url, headers=as_role("manager", team="sales"))
    no_team = client.get(url, headers=as_role("manager"))
    assert (other_team.status_code, no_team.status_code) == (403, 403)
    assert other_team.json()["type"] == PROBLEM + "forbidden"
    own = as_role("agent", agent_id=agent["id"])
    for headers in (own, as_role("manager", team="desk"), admin):
        with client.stream("GET", url, headers=headers, timeout=SSE_TIMEOUT) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            assert next(response.iter_text()) == ": open\n\n"


def test_a_feed_opens_with_a_comment(client: httpx.Client, api: Any, admin: dict[str, str]) -> None:
    agent = api.create_agent(ready=True)
    comments: list[str] = []
    engage(client, admin, "s-1")
    read_events(client, f"/v1/agents/{agent['id']}/feed", admin, 1, comments=comments)
    assert comments == [": open"]
