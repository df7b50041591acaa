"""Row-level access over HTTP on both databases: who sees which calls, callbacks, chats and web
sessions (`crm_routing.access`), on reads, lists and writes; the open mode; the integrations."""

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from crm_common.db import transaction, utcnow
from crm_common.testing import listed_ids
from crm_routing.callbacks.models import Callback, CallbackAttempt
from crm_routing.web.models import WebSession

from .conftest import Headers, World

PROBLEM = "https://rapport.dev/problems/"

# Who sees which of the records 1 (A1's), 2 (A2's about K, owned by A1 and assigned to A4) and 3
# (A2's).
MATRIX: dict[str, set[int]] = {
    "admin": {1, 2, 3},
    "manager of T": {1, 2},
    "manager of U": {2, 3},
    "manager of V": {2},
    "agent A1": {1, 2},
    "agent A2": {2, 3},
    "agent A4": {2},
    "agent key without agent id": set(),
    "agent key with a malformed agent id": set(),
    "manager without team or agent id": set(),
    "manager of U who is A1": {1, 2, 3},
}


def identity(name: str, who: Headers, world: World) -> dict[str, str]:
    """The identity header of the caller `name` of the matrix."""
    callers: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
        "admin": (("admin",), {}),
        "manager of T": (("manager",), {"team": "T"}),
        "manager of U": (("manager",), {"team": "U"}),
        "manager of V": (("manager",), {"team": "V"}),
        "agent A1": (("agent",), {"agent_id": world.a1}),
        "agent A2": (("agent",), {"agent_id": world.a2}),
        "agent A4": (("agent",), {"agent_id": world.a4}),
        "agent key without agent id": (("agent",), {}),
        "agent key with a malformed agent id": (("agent",), {"agent_id": "not-an-id"}),
        "manager without team or agent id": (("manager",), {}),
        "manager of U who is A1": (("agent", "manager"), {"agent_id": world.a1, "team": "U"}),
    }
    roles, extra = callers[name]
    headers: dict[str, str] = who(*roles, **extra)
    return headers


def status_of(http: httpx.Client, url: str, headers: dict[str, str]) -> int:
    return http.get(url, headers=headers).status_code


@pytest.mark.parametrize("name", list(MATRIX))
def test_who_sees_which_records(http: httpx.Client, world: World, who: Headers, name: str) -> None:
    headers = identity(name, who, world)
    seen = MATRIX[name]
    expected = {n: 200 if n in seen else 404 for n in (1, 2, 3)}

    calls = {n: status_of(http, f"/v1/calls/{world.calls[n]}", headers) for n in (1, 2, 3)}
    pops = {
        n: status_of(http, f"/v1/calls/{world.calls[n]}/screen-pop", headers) for n in (1, 2, 3)
    }
    callbacks = {
        n: status_of(http, f"/v1/callbacks/{world.callbacks[n]}", headers) for n in (1, 2, 3)
    }
    chats = {n: status_of(http, f"/v1/chats/{world.chats[n]}", headers) for n in (1, 2, 3)}
    messages = {
        n: status_of(http, f"/v1/chats/{world.chats[n]}/messages", headers) for n in (1, 2, 3)
    }

    assert (calls, pops, callbacks, chats, messages) == (expected,) * 5
    assert listed_ids(http, "/v1/callbacks", headers) == sorted(
        str(world.callbacks[n]) for n in seen
    )
    # Filters narrow the rows; they never widen them.
    about_k = listed_ids(http, "/v1/callbacks", headers, contact_id=str(world.contact))
    assert about_k == ([str(world.callbacks[2])] if 2 in seen else [])


def test_a_record_outside_the_rows_answers_like_an_unknown_one(
    http: httpx.Client, world: World, who: Headers
) -> None:
    a2 = who("agent", agent_id=world.a2)

    call = http.get(f"/v1/calls/{world.calls[1]}", headers=a2)
    callback = http.get(f"/v1/callbacks/{world.callbacks[1]}", headers=a2)
    chat = http.get(f"/v1/chats/{world.chats[1]}", headers=a2)
    unknown_chat = http.get(f"/v1/chats/{uuid.uuid4()}", headers=a2)

    assert (call.status_code, call.json()["type"]) == (404, PROBLEM + "call-not-found")
    assert (callback.status_code, callback.json()["type"]) == (404, PROBLEM + "callback-not-found")
    assert (chat.status_code, chat.json()["type"]) == (404, PROBLEM + "chat-not-found")
    assert {k: chat.json()[k] for k in ("type", "title", "status")} == {
        k: unknown_chat.json()[k] for k in ("type", "title", "status")
    }


def test_writes_follow_the_rows(http: httpx.Client, world: World, who: Headers) -> None:
    a1, a2 = who("agent", agent_id=world.a1), who("agent", agent_id=world.a2)
    chat, callback = world.chats[1], world.callbacks[1]
    words = {"author": "agent", "text": "Hello"}

    cancel_outside = http.post(f"/v1/callbacks/{callback}/cancel", headers=a2)
    say_outside = http.post(f"/v1/chats/{chat}/messages", json=words, headers=a2)
    stream_outside = http.get(f"/v1/chats/{chat}/stream", headers=a2)
    close_outside = http.post(f"/v1/chats/{chat}/close", headers=a2)
    cancelled = http.post(f"/v1/callbacks/{callback}/cancel", headers=a1)
    said = http.post(f"/v1/chats/{chat}/messages", json=words, headers=a1)
    closed = http.post(f"/v1/chats/{chat}/close", headers=a1)

    assert (cancel_outside.status_code, say_outside.status_code) == (404, 404)
    assert (stream_outside.status_code, close_outside.status_code) == (404, 404)
    assert stream_outside.headers["content-type"] == "application/problem+json"
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert (said.status_code, said.json()["text"]) == (201, "Hello")
    assert (closed.status_code, closed.json()["closed_by"]) == (200, "agent")


def test_creating_a_callback_stays_open_to_staff(
    http: httpx.Client, world: World, who: Headers
) -> None:
    now = utcnow()
    body = {
        "phone": "+442079460099",
        "note": "Call me",
        "window_from": now.isoformat(),
        "window_to": (now + timedelta(hours=1)).isoformat(),
    }
    a2 = who("agent", agent_id=world.a2)

    created = http.post("/v1/callbacks", json=body, headers=who("agent"))
    assert created.status_code == 201, created.text
    # Nobody's number: neither its creator without an agent id nor A2 sees it afterwards.
    assert status_of(http, f"/v1/callbacks/{created.json()['id']}", who("agent")) == 404
    assert status_of(http, f"/v1/callbacks/{created.json()['id']}", a2) == 404
    assert status_of(http, f"/v1/callbacks/{created.json()['id']}", who("admin")) == 200


def test_a_callback_is_its_preferred_agents_and_every_attempts_agents(
    http: httpx.Client, world: World, who: Headers, ac_engine: Engine
) -> None:
    now = utcnow()
    with transaction(ac_engine) as session:
        preferred = Callback(
            phone="+442079460051",
            note="preferred",
            window_from=now + timedelta(hours=1),
            window_to=now + timedelta(hours=2),
            status="scheduled",
            next_attempt_at=now + timedelta(hours=1),
            preferred_agent_ids=[str(world.a1)],
            created_by="staff-key",
        )
        retried = Callback(
            phone="+442079460052",
            note="retried",
            window_from=now,
            window_to=now + timedelta(hours=2),
            status="in_progress",
            attempts=2,
            agent_id=world.a3,
            created_by="staff-key",
        )
        session.add_all([preferred, retried])
        session.flush()
        for number, by in ((1, world.a1), (2, world.a3)):
            session.add(
                CallbackAttempt(
                    callback_id=retried.id,
                    number=number,
                    agent_id=by,
                    extension="sip:x@pbx",
                    started_at=now,
                    outcome="no_answer" if number == 1 else None,
                )
            )
    ids = {"preferred": str(preferred.id), "retried": str(retried.id)}
    mine = {str(world.callbacks[n]) for n in (1, 2)}

    a1 = listed_ids(http, "/v1/callbacks", who("agent", agent_id=world.a1))
    team_t = listed_ids(http, "/v1/callbacks", who("manager", team="T"))
    a2 = listed_ids(http, "/v1/callbacks", who("agent", agent_id=world.a2))
    a3 = listed_ids(http, "/v1/callbacks", who("agent", agent_id=world.a3))

    assert set(a1) == set(team_t) == mine | set(ids.values())
    assert set(a2) == {str(world.callbacks[n]) for n in (2, 3)}
    assert a3 == [ids["retried"]]
    assert (
        status_of(http, f"/v1/callbacks/{ids['preferred']}", who("agent", agent_id=world.a1)) == 200
    )
    assert status_of(http, f"/v1/callbacks/{ids['preferred']}", who("manager", team="U")) == 404


def test_a_session_is_its_offered_agents(
    http: httpx.Client, world: World, who: Headers, ac_engine: Engine
) -> None:
    now = utcnow()
    with transaction(ac_engine) as session:
        session.add(
            WebSession(
                session_id="s-offered",
                visitor_id="v-offered",
                page_views=5,
                first_page_at=now,
                last_page_at=now,
                engaged_at=now,
                offer_type="chat",
                offer_agent_id=world.a1,
                offered_at=now,
            )
        )
    url = "/v1/web/sessions/s-offered/chat"

    outside = http.post(url, headers=who("agent", agent_id=world.a2))
    other_team = http.post(url, headers=who("manager", team="U"))
    accepted = http.post(url, headers=who("agent", agent_id=world.a1))

    assert (outside.status_code, outside.json()["type"]) == (404, PROBLEM + "web-session-not-found")
    assert other_team.status_code == 404
    assert (accepted.status_code, accepted.json()["agent_id"]) == (201, str(world.a1))


def test_the_integrations_keep_what_they_had(
    http: httpx.Client, world: World, who: Headers
) -> None:
    telephony, website = who("telephony"), who("website")

    calls = [status_of(http, f"/v1/calls/{world.calls[n]}", telephony) for n in (1, 2, 3)]
    chats = [status_of(http, f"/v1/chats/{world.chats[n]}", website) for n in (1, 2, 3)]
    callbacks = [status_of(http, f"/v1/callbacks/{world.callbacks[n]}", website) for n in (1, 2, 3)]

    assert (calls, chats, callbacks) == ([200] * 3, [200] * 3, [404] * 3)
    assert listed_ids(http, "/v1/callbacks", website) == []


def schedule(http: httpx.Client, headers: dict[str, str], phone: str) -> str:
    now = utcnow()
    body = {
        "phone": phone,
        "note": "Call me",
        "window_from": now.isoformat(),
        "window_to": (now + timedelta(hours=1)).isoformat(),
    }
    response = http.post("/v1/callbacks", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.mark.parametrize("mode", ["scoped", "open"])
def test_a_website_sees_only_the_callbacks_it_scheduled(
    http: httpx.Client, open_http: httpx.Client, world: World, who: Headers, mode: str
) -> None:
    client = http if mode == "scoped" else open_http
    shop, other_shop = who("website", principal_id="shop"), who("website", principal_id="outlet")
    ours = schedule(client, shop, "+442079460061")
    theirs = schedule(client, other_shop, "+442079460062")
    # A key with both roles gets the widest: the website's callbacks plus the agent's rows.
    both = who("website", "agent", principal_id="shop", agent_id=world.a2)

    assert listed_ids(client, "/v1/callbacks", shop) == [ours]
    assert listed_ids(client, "/v1/callbacks", other_shop) == [theirs]
    assert status_of(client, f"/v1/callbacks/{theirs}", shop) == 404
    assert client.post(f"/v1/callbacks/{theirs}/cancel", headers=shop).status_code == 404
    assert status_of(client, f"/v1/callbacks/{ours}", shop) == 200
    if mode == "scoped":
        expected = {ours, str(world.callbacks[2]), str(world.callbacks[3])}
    else:  # staff see everything
        expected = {ours, theirs, *(str(world.callbacks[n]) for n in (1, 2, 3))}
    assert set(listed_ids(client, "/v1/callbacks", both)) == expected


@pytest.mark.parametrize(
    "caller", ["agent key without agent id", "manager of U", "manager without team or agent id"]
)
def test_in_open_mode_all_staff_see_all(
    open_http: httpx.Client, world: World, who: Headers, caller: str
) -> None:
    headers = identity(caller, who, world)

    calls = [status_of(open_http, f"/v1/calls/{world.calls[n]}", headers) for n in (1, 2, 3)]
    callbacks = [
        status_of(open_http, f"/v1/callbacks/{world.callbacks[n]}", headers) for n in (1, 2, 3)
    ]
    chats = [status_of(open_http, f"/v1/chats/{world.chats[n]}", headers) for n in (1, 2, 3)]

    assert (calls, callbacks, chats) == ([200] * 3, [200] * 3, [200] * 3)
    assert listed_ids(open_http, "/v1/callbacks", headers) == sorted(
        str(world.callbacks[n]) for n in (1, 2, 3)
    )
