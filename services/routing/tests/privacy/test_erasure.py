"""Erasure (`contacts.contact.erased.v1`): everything routing holds about the contact is
anonymised in one transaction — read models, calls, callbacks, chats, web sessions, the agents'
feed and the outbox's payloads — and confirmed once by `routing.erasure.completed.v1`; nothing
about the contact comes back, and its old number is an unknown caller."""

import json
import uuid
from datetime import timedelta

from sqlmodel import Session, col, select

from crm_common.events import contacts, orders
from crm_common.events.envelope import CloudEvent
from crm_routing.calls.models import Call
from crm_routing.feed.models import AgentFeedItem
from crm_routing.web.models import PageView, WebSession

from .conftest import OTHER, PHONE, T0, Privacy, World, build, consent, opportunity, order, person

# What identifies the erased person anywhere in the database before the erasure.
TRACES = (PHONE, "Grace", "grace", "v-1", "email=", "Skis for")


def erased(world: World, request_id: uuid.UUID) -> contacts.ContactErased:
    return contacts.ContactErased(
        contact_id=world.contact_id, request_id=request_id, requested_at=T0 + timedelta(days=1)
    )


def traces(text: str) -> list[str]:
    return [trace for trace in TRACES if trace in text]


def test_erasure_anonymises_every_table_and_the_outbox(pv: Privacy) -> None:
    world = build(pv)
    before = pv.query("SELECT envelope FROM outbox")
    assert traces(" ".join(row[0] for row in before)) == list(TRACES)  # the test sees them
    feed_before = pv.query("SELECT data FROM agent_feed_items")
    assert traces(" ".join(str(row[0]) for row in feed_before)) == list(TRACES)
    request_id = uuid.uuid4()

    pv.apply(erased(world, request_id), world.contact_id)

    # The confirmation, once, counting every row anonymised or deleted: 5 of the read models
    # (contact, phone, order, opportunity, consent), 2 calls, 1 callback, 2 sessions and their
    # 6 page views, 1 chat and its 2 messages, 5 feed items, 9 outbox events and 1 device.
    [confirmation] = pv.events("routing.erasure.completed.v1")
    assert confirmation == {
        "request_id": str(request_id), "contact_id": str(world.contact_id),
        "completed_at": confirmation["completed_at"], "records": 34,
    }  # fmt: skip
    # Read models: nothing about the person is left; the other person is untouched.
    tables = ("known_contacts", "known_phones", "customer_orders", "customer_opportunities")
    assert [pv.rows(t) for t in (*tables, "known_consents", "web_visitors")] == [1, 1, 0, 0, 0, 1]
    assert [tuple(r) for r in pv.query("SELECT number FROM known_phones")] == [(OTHER,)]
    assert [tuple(r) for r in pv.query("SELECT visitor_id FROM web_visitors")] == [("v-9",)]
    with Session(pv.engine) as session:
        calls = session.exec(select(Call).order_by(col(Call.call_id))).all()
        assert [(c.call_id, c.from_number, c.contact_id, c.status) for c in calls] == [
            ("c-0", "erased", None, "abandoned"),
            ("c-1", "erased", None, "ended"),
            ("c-2", OTHER, world.other_id, "abandoned"),
        ]
        webs = session.exec(select(WebSession).order_by(col(WebSession.session_id))).all()
        assert [(w.session_id, w.visitor_id, w.contact_id, w.page_views) for w in webs] == [
            ("s-0", "erased", None, 1), ("s-1", "erased", None, 5), ("s-9", "v-9", None, 1),
        ]  # fmt: skip
        views = session.exec(
            select(PageView).where(col(PageView.session_id) == "s-1").order_by(col(PageView.url))
        ).all()
        assert [(v.url, v.path, v.title) for v in views] == [
            (f"https://shop.example.com/ski/{n}", f"/ski/{n}", None) for n in range(1, 6)
        ]
        items = session.exec(select(AgentFeedItem).order_by(col(AgentFeedItem.id))).all()
    assigned = [i.data for i in items if i.kind == "call.assigned"]
    assert [(d["call_id"], d["from_number"], d["contact_name"]) for d in assigned] == [
        ("c-0", "erased", None), ("c-1", "erased", None), ("c-2", OTHER, "Alan Hopper"),
    ]  # fmt: skip
    feed = {i.kind: i.data for i in items if i.kind != "call.assigned"}
    assert sorted(feed) == ["chat.closed", "chat.message", "chat.opened", "web.offer"]
    assert (feed["web.offer"]["visitor_id"], feed["web.offer"]["contact"]) == ("erased", None)
    assert feed["web.offer"]["pages"][0] == {
        "url": "https://shop.example.com/ski/1", "category": "ski", "title": None,
        "occurred_at": "2030-03-01T09:00:10Z",
    }  # fmt: skip
    assert (feed["chat.opened"]["visitor_id"], feed["chat.opened"]["contact"]) == ("erased", None)
    assert feed["chat.message"]["text"] == "erased"
    # Callbacks: the open one is cancelled, and keeps neither number, note nor contact.
    callback = pv.http.get(f"/v1/callbacks/{world.callback['id']}", headers=pv.admin).json()
    assert (
        callback["status"], callback["cancel_reason"], callback["phone"], callback["note"],
        callback["contact_id"],
    ) == ("cancelled", "contact-erased", "erased", "erased", None)  # fmt: skip
    # Chats: no visitor, no contact, every message erased.
    chat = pv.http.get(f"/v1/chats/{world.chat['id']}", headers=pv.admin).json()
    assert (chat["visitor_id"], chat["contact_id"], chat["status"]) == ("erased", None, "closed")
    messages = pv.http.get(f"/v1/chats/{world.chat['id']}/messages", headers=pv.admin).json()
    assert [(m["author"], m["text"]) for m in messages["items"]] == [
        ("visitor", "erased"), ("agent", "erased"),
    ]  # fmt: skip
    # The outbox: a re-send carries nobody, and every payload is still valid for its schema.
    rows = pv.query("SELECT key, envelope FROM outbox ORDER BY seq")
    for key, envelope in rows:
        CloudEvent.model_validate_json(envelope).payload()
        if key not in ("c-2", "s-9"):
            assert traces(envelope) == [], envelope
    assert len(rows) == len(before) + 2  # the callback's cancellation and the confirmation
    [ended] = pv.events("routing.call.ended.v1")
    assert (ended["call_id"], ended["from_number"], ended["contact_id"]) == ("c-1", "erased", None)
    [closed] = pv.events("routing.chat.closed.v1")
    assert (closed["visitor_id"], closed["contact_id"], closed["message_count"]) == (
        "erased", None, 2,
    )  # fmt: skip
    assert [(line["author"], line["text"]) for line in closed["transcript"]] == [
        ("visitor", "erased"), ("agent", "erased"),
    ]  # fmt: skip
    [engaged] = pv.events("routing.web_session.engaged.v1")
    assert (engaged["visitor_id"], engaged["contact_id"], engaged["pages"][4]["url"]) == (
        "erased", None, "https://shop.example.com/ski/5",
    )  # fmt: skip
    [scheduled] = pv.events("routing.callback.scheduled.v1")
    assert (scheduled["customer_number"], scheduled["contact_id"]) == ("erased", None)
    [cancelled] = pv.events("routing.callback.cancelled.v1")
    assert (cancelled["reason"], cancelled["contact_id"]) == ("contact-erased", None)
    # Nor does the feed (the other person's call aside).
    assert traces(json.dumps([*feed.values(), *assigned[:2]])) == []


def test_the_old_number_is_an_unknown_caller_afterwards(pv: Privacy) -> None:
    world = build(pv)
    pv.apply(erased(world, uuid.uuid4()), world.contact_id)
    pv.call("c-3", "ringing", **{"from": PHONE})
    call = pv.http.get("/v1/calls/c-3", headers=pv.admin).json()
    assert (call["contact_id"], call["priority"]) == (None, 0)
    pop = pv.http.get("/v1/calls/c-3/screen-pop", headers=pv.admin).json()
    assert pop["caller"] == {
        "number": PHONE, "contact_id": None, "name": None, "owner_id": None,
        "lifecycle_stage": None,
    }  # fmt: skip
    assert (pop["recent_orders"], pop["total_spent"]) == ([], [])


def test_a_redelivered_erasure_is_confirmed_once_and_nothing_comes_back(pv: Privacy) -> None:
    world = build(pv)
    request_id = uuid.uuid4()
    event = pv.apply(erased(world, request_id), world.contact_id)
    assert pv.deliver(event) is False  # the same event again: a no-op
    pv.apply(erased(world, request_id), world.contact_id)  # the same request, another event id
    assert [e["request_id"] for e in pv.events("routing.erasure.completed.v1")] == [str(request_id)]
    # Events about the contact read late (another topic, a replay) store nothing again.
    snapshot = person(world.contact_id, (PHONE,), version=2)
    pv.apply(contacts.ContactUpdated(contact=snapshot, changed_fields=["phones"]))
    pv.apply(orders.OrderPlaced(order=order(world.contact_id)))
    pv.apply(orders.OpportunityCreated(opportunity=opportunity(world.contact_id)))
    pv.apply(consent(world.contact_id, True, T0 + timedelta(days=2)), world.contact_id)
    assert [
        pv.rows(t) for t in ("known_contacts", "known_phones", "customer_orders", "known_consents")
    ] == [1, 1, 0, 0]
    # A second request about the same contact is confirmed on its own, with nothing left to do.
    again = uuid.uuid4()
    pv.apply(erased(world, again), world.contact_id)
    confirmations = pv.events("routing.erasure.completed.v1")
    assert [(e["request_id"], e["records"]) for e in confirmations][1:] == [(str(again), 0)]


def test_the_contacts_merged_into_the_erased_one_are_erased_with_it(pv: Privacy) -> None:
    survivor, duplicate = uuid.uuid4(), uuid.uuid4()
    pv.apply(contacts.ContactCreated(contact=person(duplicate, (OTHER,))), duplicate)
    pv.call("c-5", "ringing", **{"from": OTHER})  # tied to the duplicate
    pv.call("c-5", "abandoned")
    merged = contacts.ContactMerged(
        survivor_id=survivor, duplicate_id=duplicate, survivor=person(survivor, (PHONE, OTHER))
    )
    pv.apply(merged, survivor)
    pv.apply(
        contacts.ContactErased(contact_id=survivor, request_id=uuid.uuid4(), requested_at=T0),
        survivor,
    )
    with Session(pv.engine) as session:
        call = session.get(Call, "c-5")
        assert call is not None and (call.from_number, call.contact_id) == ("erased", None)
    assert [pv.rows(t) for t in ("known_contacts", "known_phones")] == [0, 0]
    [confirmation] = pv.events("routing.erasure.completed.v1")
    # 2 contacts and 2 phones, 1 call and its event (abandoned in the queue: nobody is there).
    assert confirmation["records"] == 6


def test_a_chat_still_open_is_closed_by_the_erasure_and_frees_its_agent(pv: Privacy) -> None:
    pv.agent(skills={"ski": 5})
    contact_id = uuid.uuid4()
    pv.apply(contacts.ContactCreated(contact=person(contact_id, (PHONE,))), contact_id)
    assert pv.pages("s-1", "v-1", 5, contact_id=contact_id) is not None
    website = pv.role("website")
    chat = pv.post("/v1/web/sessions/s-1/chat", headers=website)
    message = {"author": "visitor", "text": "I am Grace"}
    pv.post(f"/v1/chats/{chat['id']}/messages", message, headers=website)
    assert [tuple(r) for r in pv.query("SELECT open_chats FROM agents")] == [(1,)]

    pv.apply(
        contacts.ContactErased(contact_id=contact_id, request_id=uuid.uuid4(), requested_at=T0),
        contact_id,
    )

    read = pv.http.get(f"/v1/chats/{chat['id']}", headers=pv.admin).json()
    assert (read["status"], read["closed_by"], read["visitor_id"]) == ("closed", None, "erased")
    assert read["closed_at"] is not None
    assert [tuple(r) for r in pv.query("SELECT open_chats FROM agents")] == [(0,)]
    [closed] = pv.events("routing.chat.closed.v1")
    assert (closed["closed_by"], closed["contact_id"], closed["visitor_id"]) == (
        None, None, "erased",
    )  # fmt: skip
    assert [(line["author"], line["text"]) for line in closed["transcript"]] == [
        ("visitor", "erased"),
    ]  # fmt: skip
    # Nobody writes to the erased person any more.
    refused = pv.http.post(f"/v1/chats/{chat['id']}/messages", json=message, headers=website)
    assert refused.status_code == 409, refused.text
    [confirmation] = pv.events("routing.erasure.completed.v1")
    assert confirmation["contact_id"] == str(contact_id)
