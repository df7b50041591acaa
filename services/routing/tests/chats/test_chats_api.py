"""Chats over HTTP: accepting a chat offer, messages (pages and a real server-sent-event stream),
closing with the transcript in the outbox, chat capacity, errors and roles."""

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from crm_routing.readmodel.models import KnownContact

PROBLEM = "https://rapport.dev/problems/"
T0 = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
SSE_TIMEOUT = httpx.Timeout(10.0)
CLOSED = "routing.chat.closed.v1"


def beacon(n: int, session_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "visitor_id": f"v-{session_id}",
        "session_id": session_id,
        "url": f"https://shop.example.com/ski/page-{n}",
        "category": "ski",
        "occurred_at": (T0 + timedelta(seconds=10 * n)).isoformat(),
    }
    body.update(overrides)
    return body


def engage(
    client: httpx.Client, headers: dict[str, str], session_id: str, pages: int = 5, **extra: Any
) -> dict[str, Any] | None:
    """Page views of a session (five engage it by default); the offer answered."""
    events = [beacon(n, session_id, **extra) for n in range(1, pages + 1)]
    response = client.post("/v1/web/events", json={"events": events}, headers=headers)
    assert response.status_code == 200, response.text
    offer: dict[str, Any] | None = response.json()["offer"]
    return offer


def accept(
    client: httpx.Client, headers: dict[str, str], session_id: str, status: int = 201
) -> dict[str, Any]:
    response = client.post(f"/v1/web/sessions/{session_id}/chat", headers=headers)
    assert response.status_code == status, response.text
    return dict(response.json())


def say(
    client: httpx.Client,
    headers: dict[str, str],
    chat_id: str,
    author: str,
    words: str,
    status: int = 201,
) -> dict[str, Any]:
    response = client.post(
        f"/v1/chats/{chat_id}/messages", json={"author": author, "text": words}, headers=headers
    )
    assert response.status_code == status, response.text
    return dict(response.json())


def frames(lines: Any) -> Any:
    """Events (id, event, data) of an SSE line iterator; comments are skipped."""
    fields: dict[str, str] = {}
    for line in lines:
        if line == "":
            if "data" in fields:
                yield {
                    "id": int(fields["id"]),
                    "event": fields["event"],
                    "data": json.loads(fields["data"]),
                }
            fields = {}
        elif not line.startswith(":"):
            name, value = line.split(": ", 1)
            fields[name] = value


def closed_events(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT envelope FROM outbox WHERE event_type = :t ORDER BY seq"), {"t": CLOSED}
        ).all()
    return [json.loads(row[0])["data"] for row in rows]


@pytest.fixture
def website(as_role: Callable[..., dict[str, str]]) -> dict[str, str]:
    return as_role("website")


@pytest.fixture
def staff(as_role: Callable[..., dict[str, str]]) -> dict[str, str]:
    """Staff writing as the agent; an admin, since these tests are not about row-level access
    (tests/access are)."""
    return as_role("admin")


def test_accepting_a_chat_offer_opens_a_chat_once(
    client: httpx.Client, api: Any, admin: dict[str, str], website: dict[str, str], engine: Engine
) -> None:
    agent = api.create_agent(ready=True)
    contact_id = uuid.uuid4()
    with Session(engine) as session:
        session.add(KnownContact(id=contact_id, name="Grace", lifecycle_stage="lead", version=1))
        session.commit()
    engage(client, admin, "s-1", contact_id=str(contact_id))

    response = client.post("/v1/web/sessions/s-1/chat", headers=website)
    again = accept(client, website, "s-1", status=200)

    assert response.status_code == 201, response.text
    chat = response.json()
    assert response.headers["location"] == f"/v1/chats/{chat['id']}"
    assert response.headers["etag"] == '"1"'
    assert {k: chat[k] for k in ("session_id", "agent_id", "contact_id", "visitor_id")} == {
        "session_id": "s-1",
        "agent_id": agent["id"],
        "contact_id": str(contact_id),
        "visitor_id": "v-s-1",
    }
    assert (chat["status"], chat["closed_at"], chat["closed_by"], chat["version"]) == (
        "open",
        None,
        None,
        1,
    )
    assert again == chat
    read = client.get(f"/v1/chats/{chat['id']}", headers=website)
    assert (read.status_code, read.json(), read.headers["etag"]) == (200, chat, '"1"')
    with engine.connect() as conn:
        opened = conn.execute(
            text("SELECT COUNT(*) FROM outbox WHERE event_type = 'routing.chat.opened.v1'")
        ).scalar_one()
    assert opened == 1


def test_accept_errors(
    client: httpx.Client,
    api: Any,
    admin: dict[str, str],
    website: dict[str, str],
    engine: Engine,
    as_role: Callable[..., dict[str, str]],
) -> None:
    owner = api.create_agent(ready=True, name="Owner")
    engage(client, admin, "s-quiet", pages=2)
    engage(client, admin, "s-old")
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE web_sessions SET offered_at = :t WHERE session_id = 's-old'"),
            {"t": datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=1)},
        )
    api.call("c-1", "ringing", **{"from": "+14155550199"})
    assert api.get_agent(owner["id"])["current_call_id"] == "c-1"
    callback = engage(client, admin, "s-busy")
    assert callback is not None and callback["type"] == "callback"

    unknown = client.post("/v1/web/sessions/s-nope/chat", headers=website)
    malformed = client.post("/v1/web/sessions/bad%20id/chat", headers=website)
    no_offer = client.post("/v1/web/sessions/s-quiet/chat", headers=website)
    expired = client.post("/v1/web/sessions/s-old/chat", headers=website)
    callback_only = client.post("/v1/web/sessions/s-busy/chat", headers=website)
    publishable = client.post("/v1/web/sessions/s-busy/chat", headers=as_role("publishable"))
    partner = client.post("/v1/web/sessions/s-busy/chat", headers=as_role("partner"))

    assert (unknown.status_code, unknown.json()["type"]) == (404, PROBLEM + "web-session-not-found")
    assert unknown.headers["content-type"] == "application/problem+json"
    assert malformed.status_code == 422
    assert (no_offer.status_code, no_offer.json()["type"]) == (409, PROBLEM + "no-chat-offer")
    assert no_offer.json()["detail"] == "Web session s-quiet has no offer, not a chat offer."
    assert (expired.status_code, expired.json()["type"]) == (409, PROBLEM + "chat-offer-expired")
    assert callback_only.status_code == 409
    assert callback_only.json()["detail"] == (
        "Web session s-busy has a callback offer, not a chat offer."
    )
    assert (publishable.status_code, partner.status_code) == (403, 403)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM chats")).scalar_one() == 0


def test_messages_from_visitor_and_agent_in_pages_oldest_first(
    client: httpx.Client,
    api: Any,
    admin: dict[str, str],
    website: dict[str, str],
    staff: dict[str, str],
) -> None:
    api.create_agent(ready=True)
    engage(client, admin, "s-1")
    chat = accept(client, website, "s-1")

    first = say(client, website, chat["id"], "visitor", "  Is the chalet free in March?  ")
    second = say(client, staff, chat["id"], "agent", "It is, from the 3rd.")
    third = say(client, website, chat["id"], "visitor", "Line one\nline two")

    assert (first["author"], first["text"], first["chat_id"]) == (
        "visitor",
        "Is the chalet free in March?",
        chat["id"],
    )
    assert first["id"] < second["id"] < third["id"]
    page = client.get(f"/v1/chats/{chat['id']}/messages?limit=2", headers=staff).json()
    rest = client.get(
        f"/v1/chats/{chat['id']}/messages", params={"cursor": page["next_cursor"]}, headers=staff
    ).json()
    assert page["items"] == [first, second]
    assert rest == {"items": [third], "next_cursor": None}


def test_message_errors_and_roles(
    client: httpx.Client,
    api: Any,
    admin: dict[str, str],
    website: dict[str, str],
    staff: dict[str, str],
    as_role: Callable[..., dict[str, str]],
    count: Callable[[str], int],
) -> None:
    api.create_agent(ready=True)
    engage(client, admin, "s-1")
    chat = accept(client, website, "s-1")
    url = f"/v1/chats/{chat['id']}/messages"

    website_as_agent = client.post(url, json={"author": "agent", "text": "hi"}, headers=website)
    staff_as_visitor = client.post(url, json={"author": "visitor", "text": "hi"}, headers=staff)
    partner = client.post(url, json={"author": "visitor", "text": "hi"}, headers=as_role("partner"))
    empty = client.post(url, json={"author": "agent", "text": "   "}, headers=staff)
    too_long = client.post(url, json={"author": "agent", "text": "x" * 4001}, headers=staff)
    nul = client.post(url, json={"author": "agent", "text": "a\u0000b"}, headers=staff)
    who = client.post(url, json={"author": "bot", "text": "hi"}, headers=staff)
    extra = client.post(url, json={"author": "agent", "text": "hi", "x": 1}, headers=staff)
    broken = client.post(url, content=b"{", headers={**staff, "content-type": "application/json"})
    unknown = client.post(
        f"/v1/chats/{uuid.uuid4()}/messages", json={"author": "agent", "text": "hi"}, headers=staff
    )
    unknown_list = client.get(f"/v1/chats/{uuid.uuid4()}/messages", headers=staff)
    bad_cursor = client.get(url, params={"cursor": "nonsense"}, headers=staff)
    longest = say(client, staff, chat["id"], "agent", "x" * 4000)

    assert (website_as_agent.status_code, staff_as_visitor.status_code) == (403, 403)
    assert website_as_agent.json()["type"] == PROBLEM + "author-not-allowed"
    assert partner.status_code == 403
    assert [r.status_code for r in (empty, too_long, nul, who, extra)] == [422] * 5
    assert too_long.json()["errors"][0]["field"] == "body.text"
    assert broken.status_code == 400
    assert (unknown.status_code, unknown.json()["type"]) == (404, PROBLEM + "chat-not-found")
    assert (unknown_list.status_code, bad_cursor.status_code) == (404, 422)
    assert len(longest["text"]) == 4000
    assert count("chat_messages") == 1


def test_the_stream_sends_messages_as_they_come_then_closed(
    client: httpx.Client,
    api: Any,
    admin: dict[str, str],
    website: dict[str, str],
    staff: dict[str, str],
    server: Any,
) -> None:
    api.create_agent(ready=True)
    engage(client, admin, "s-1")
    chat = accept(client, website, "s-1")
    hello = say(client, website, chat["id"], "visitor", "Hello")
    url = f"{server.url}/v1/chats/{chat['id']}/stream"

    seen: list[dict[str, Any]] = []
    with (
        httpx.Client(timeout=SSE_TIMEOUT) as streaming,
        streaming.stream("GET", url, headers=website) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for event in frames(response.iter_lines()):
            seen.append(event)
            if len(seen) == 1:
                say(client, staff, chat["id"], "agent", "Hi, how can I help?")
            elif len(seen) == 2:
                closed = client.post(f"/v1/chats/{chat['id']}/close", headers=website)
                assert closed.status_code == 200, closed.text
        # the stream ends by itself after `closed`

    assert [e["event"] for e in seen] == ["message", "message", "closed"]
    assert seen[0] == {"id": hello["id"], "event": "message", "data": hello}
    assert seen[1]["data"]["text"] == "Hi, how can I help?"
    assert seen[2]["id"] == seen[1]["id"]
    assert (seen[2]["data"]["status"], seen[2]["data"]["closed_by"]) == ("closed", "visitor")

    resumed = client.get(url, headers={**staff, "Last-Event-ID": str(hello["id"])})
    assert [e["event"] for e in frames(resumed.text.split("\n"))] == ["message", "closed"]


def test_closing_publishes_the_transcript_and_frees_the_agent(
    client: httpx.Client,
    api: Any,
    admin: dict[str, str],
    website: dict[str, str],
    staff: dict[str, str],
    engine: Engine,
) -> None:
    agent = api.create_agent(ready=True, max_concurrent_chats=1)
    engage(client, admin, "s-1")
    chat = accept(client, website, "s-1")
    question = say(client, website, chat["id"], "visitor", "Is it free?")
    answer = say(client, staff, chat["id"], "agent", "Yes.")
    assert engage(client, admin, "s-2") is None  # the open chat holds the agent's one place

    stale = client.post(f"/v1/chats/{chat['id']}/close", headers={**staff, "If-Match": '"7"'})
    closed = client.post(f"/v1/chats/{chat['id']}/close", headers={**staff, "If-Match": '"1"'})
    again = client.post(f"/v1/chats/{chat['id']}/close", headers=staff)
    late = say(client, website, chat["id"], "visitor", "Thanks", status=409)
    reaccept = client.post("/v1/web/sessions/s-1/chat", headers=website)
    unknown = client.post(f"/v1/chats/{uuid.uuid4()}/close", headers=staff)

    assert stale.status_code == 412
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert (body["status"], body["closed_by"], body["version"]) == ("closed", "agent", 2)
    assert closed.headers["etag"] == '"2"'
    assert (again.status_code, again.json()["type"]) == (409, PROBLEM + "chat-closed")
    assert late["type"] == PROBLEM + "chat-closed"
    assert (reaccept.status_code, reaccept.json()["type"]) == (409, PROBLEM + "chat-closed")
    assert unknown.status_code == 404
    [event] = closed_events(engine)
    assert event == {
        "chat_id": chat["id"],
        "agent_id": agent["id"],
        "contact_id": None,
        "session_id": "s-1",
        "visitor_id": "v-s-1",
        "opened_at": chat["opened_at"],
        "closed_at": body["closed_at"],
        "closed_by": "agent",
        "message_count": 2,
        "transcript": [
            {"author": "visitor", "text": "Is it free?", "sent_at": question["sent_at"]},
            {"author": "agent", "text": "Yes.", "sent_at": answer["sent_at"]},
        ],
        "transcript_truncated": False,
    }
    offer = engage(client, admin, "s-3")  # the place is free again
    assert offer is not None and (offer["type"], offer["agent_id"]) == ("chat", agent["id"])


def test_open_chats_and_pending_offers_count_against_capacity(
    client: httpx.Client, api: Any, admin: dict[str, str], website: dict[str, str]
) -> None:
    agent = api.create_agent(ready=True, max_concurrent_chats=2)
    engage(client, admin, "s-1")
    accept(client, website, "s-1")  # an open chat
    pending = engage(client, admin, "s-2")  # an offer not accepted yet
    full = engage(client, admin, "s-3")
    accept(client, website, "s-2")  # the offer becomes the second open chat: still full
    still_full = engage(client, admin, "s-4")

    assert pending is not None and pending["agent_id"] == agent["id"]
    assert (full, still_full) == (None, None)


def test_an_agent_with_chats_up_to_capacity_is_busy_and_gets_no_call(
    client: httpx.Client, api: Any, admin: dict[str, str], website: dict[str, str]
) -> None:
    agent = api.create_agent(ready=True, max_concurrent_chats=1, skills={"ski": 5})
    engage(client, admin, "s-1")
    chat = accept(client, website, "s-1")
    assert api.get_agent(agent["id"])["status"] == "busy"
    ringing = api.call("c-1", "ringing", **{"from": "+14155550199", "category": "ski"})
    assert ringing["action"] == "queue"

    api.call("c-1", "abandoned")  # before the agent is free (the dispatcher would give it c-1)
    closed = client.post(f"/v1/chats/{chat['id']}/close", headers=website)
    assert closed.status_code == 200, closed.text
    assert api.get_agent(agent["id"])["status"] == "ready"
    second = api.call("c-2", "ringing", **{"from": "+14155550198", "category": "ski"})
    assert (second["action"], second["agent_id"]) == ("connect", agent["id"])


def test_the_visitors_messages_reach_the_agents_feed(
    client: httpx.Client,
    api: Any,
    admin: dict[str, str],
    website: dict[str, str],
    staff: dict[str, str],
) -> None:
    agent = api.create_agent(ready=True)
    engage(client, admin, "s-1")
    chat = accept(client, website, "s-1")
    say(client, website, chat["id"], "visitor", "Hello")
    say(client, staff, chat["id"], "agent", "Hi")  # the agent's own words are not fed back
    client.post(f"/v1/chats/{chat['id']}/close", headers=website)

    seen: list[dict[str, Any]] = []
    url = f"/v1/agents/{agent['id']}/feed"
    with client.stream("GET", url, headers=admin, timeout=SSE_TIMEOUT) as response:
        for event in frames(response.iter_lines()):
            seen.append(event)
            if len(seen) == 4:
                break

    assert [e["event"] for e in seen] == ["web.offer", "chat.opened", "chat.message", "chat.closed"]
    assert seen[1]["data"]["chat_id"] == chat["id"]
    assert (seen[2]["data"]["text"], seen[2]["data"]["author"]) == ("Hello", "visitor")
    assert seen[3]["data"]["closed_by"] == "visitor"


def test_chat_reads_errors_and_roles(
    client: httpx.Client,
    api: Any,
    admin: dict[str, str],
    website: dict[str, str],
    as_role: Callable[..., dict[str, str]],
) -> None:
    api.create_agent(ready=True)
    engage(client, admin, "s-1")
    chat = accept(client, website, "s-1")

    unknown = client.get(f"/v1/chats/{uuid.uuid4()}", headers=website)
    unknown_stream = client.get(f"/v1/chats/{uuid.uuid4()}/stream", headers=website)
    bad_resume = client.get(
        f"/v1/chats/{chat['id']}/stream", headers={**website, "Last-Event-ID": "-3"}
    )
    not_an_id = client.get("/v1/chats/42", headers=website)
    partner = client.get(f"/v1/chats/{chat['id']}", headers=as_role("partner"))
    publishable = client.get(f"/v1/chats/{chat['id']}/messages", headers=as_role("publishable"))
    anonymous = client.get(f"/v1/chats/{chat['id']}")

    assert (unknown.status_code, unknown.json()["type"]) == (404, PROBLEM + "chat-not-found")
    assert unknown_stream.status_code == 404
    assert unknown_stream.headers["content-type"] == "application/problem+json"
    assert (bad_resume.status_code, not_an_id.status_code) == (422, 422)
    assert (partner.status_code, publishable.status_code, anonymous.status_code) == (403, 403, 401)
    for role in ("agent", "manager"):
        own = as_role(role, agent_id=chat["agent_id"])
        assert client.get(f"/v1/chats/{chat['id']}", headers=own).status_code == 200
