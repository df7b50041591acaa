"""The export (`GET /v1/privacy/contacts/{id}/export`): everything routing holds about a contact,
for an admin or that customer only; empty once the contact is erased."""

import uuid
from typing import Any

import pytest

from crm_common.events import contacts

from .conftest import OTHER, PHONE, T0, Privacy, World, build, person

EMPTY = {
    "contacts": [], "consents": [], "orders": [], "opportunities": [], "calls": [],
    "callbacks": [], "chats": [], "web_sessions": [], "devices": [],
}  # fmt: skip


def export(pv: Privacy, contact_id: uuid.UUID, headers: dict[str, str] | None = None) -> Any:
    response = pv.http.get(f"/v1/privacy/contacts/{contact_id}/export", headers=headers or pv.admin)
    assert response.status_code == 200, response.text
    return response.json()


def pages(count: int) -> list[dict[str, Any]]:
    return [
        {
            "url": f"https://shop.example.com/ski/{n}?email=grace%40example.com#top",
            "category": "ski", "title": f"Skis for Grace {n}",
            "occurred_at": f"2030-03-01T09:00:{10 * n}Z",
        }
        for n in range(1, count + 1)
    ]  # fmt: skip


def test_the_export_holds_everything_about_the_contact(pv: Privacy) -> None:
    world = build(pv)
    document = export(pv, world.contact_id)
    assert (document["service"], document["contact_id"]) == ("routing", str(world.contact_id))
    data = document["data"]
    assert sorted(data) == sorted(EMPTY)
    assert data["contacts"] == [
        {
            "id": str(world.contact_id), "name": "Grace Hopper", "lifecycle_stage": "customer",
            "merged_into_id": None, "phones": [PHONE],
        }
    ]  # fmt: skip
    assert data["consents"] == [
        {
            "contact_id": str(world.contact_id), "purpose": "phone", "granted": True,
            "source": "web-form", "changed_at": "2030-03-01T09:00:00Z",
        }
    ]  # fmt: skip
    assert [{k: v for k, v in o.items() if k != "id"} for o in data["orders"]] == [
        {"number": "R-1", "status": "placed", "total": "120.00", "currency": "EUR",
         "categories": ["ski"]},
    ]  # fmt: skip
    assert [{k: v for k, v in o.items() if k != "id"} for o in data["opportunities"]] == [
        {"title": "Grace's ski trip", "stage": "Qualified", "amount": "900.00",
         "currency": "EUR", "open": True},
    ]  # fmt: skip
    agent_id = world.agent["id"]
    assert [
        (c["call_id"], c["status"], c["from_number"], c["category"], c["agent_id"])
        for c in data["calls"]
    ] == [
        ("c-0", "abandoned", PHONE, None, agent_id),
        ("c-1", "ended", PHONE, "ski", agent_id),
    ]  # fmt: skip  (the other person's call c-2 is not theirs)
    [callback] = data["callbacks"]
    assert callback == {
        "id": world.callback["id"], "purpose": "service", "phone": PHONE, "category": "ski",
        "note": "Grace wants new skis", "window_from": callback["window_from"],
        "window_to": callback["window_to"], "status": "scheduled", "cancel_reason": None,
        "created_at": callback["created_at"], "finished_at": None, "attempts": [],
    }  # fmt: skip
    [chat] = data["chats"]
    assert {k: v for k, v in chat.items() if k not in ("opened_at", "closed_at")} == {
        "id": world.chat["id"], "session_id": "s-1", "agent_id": agent_id, "status": "closed",
        "closed_by": "agent",
        "messages": [
            {"author": "visitor", "text": "My email is grace@example.com",
             "sent_at": chat["messages"][0]["sent_at"]},
            {"author": "agent", "text": "Thanks, Grace", "sent_at": chat["messages"][1]["sent_at"]},
        ],
    }  # fmt: skip
    assert [
        (w["session_id"], w["visitor_id"], w["page_views"], w["offer_type"], w["pages"])
        for w in data["web_sessions"]
    ] == [
        ("s-0", "v-1", 1, None, pages(1)),  # on their device before they signed in
        ("s-1", "v-1", 5, "chat", pages(5)),
    ]  # fmt: skip
    assert [d["visitor_id"] for d in data["devices"]] == ["v-1"]


def test_a_customer_exports_themselves_and_nobody_else(pv: Privacy) -> None:
    world = build(pv)
    mine = export(pv, world.contact_id, pv.customer(world.contact_id))
    assert mine == export(pv, world.contact_id)
    for headers in (
        pv.customer(world.other_id),
        pv.role("agent"),
        pv.role("manager"),
        pv.role("website"),
        pv.role("customer"),  # a customer role without a contact
    ):
        response = pv.http.get(f"/v1/privacy/contacts/{world.contact_id}/export", headers=headers)
        assert response.status_code == 403, response.text
        assert response.json()["type"] == "https://rapport.dev/problems/forbidden"
    assert pv.http.get(f"/v1/privacy/contacts/{world.contact_id}/export").status_code == 401


def test_a_merged_contacts_records_are_in_its_survivors_export(pv: Privacy) -> None:
    survivor, duplicate = uuid.uuid4(), uuid.uuid4()
    pv.apply(contacts.ContactCreated(contact=person(duplicate, (OTHER,))), duplicate)
    pv.call("c-5", "ringing", **{"from": OTHER})
    pv.call("c-5", "abandoned")
    merged = contacts.ContactMerged(
        survivor_id=survivor, duplicate_id=duplicate, survivor=person(survivor, (OTHER,))
    )
    pv.apply(merged, survivor)
    data = export(pv, survivor)["data"]
    assert sorted((c["id"], c["merged_into_id"], tuple(c["phones"])) for c in data["contacts"]) == (
        sorted([(str(survivor), None, (OTHER,)), (str(duplicate), str(survivor), ())])
    )
    assert [c["call_id"] for c in data["calls"]] == ["c-5"]


def test_nothing_is_left_to_export_after_erasure_nor_about_a_stranger(pv: Privacy) -> None:
    world: World = build(pv)
    pv.apply(
        contacts.ContactErased(
            contact_id=world.contact_id, request_id=uuid.uuid4(), requested_at=T0
        )
    )
    assert export(pv, world.contact_id)["data"] == EMPTY
    assert export(pv, uuid.uuid4())["data"] == EMPTY


@pytest.mark.parametrize("contact_id", ["not-a-uuid", "1234"])
def test_a_malformed_id_is_422(pv: Privacy, contact_id: str) -> None:
    response = pv.http.get(f"/v1/privacy/contacts/{contact_id}/export", headers=pv.admin)
    assert response.status_code == 422, response.text
