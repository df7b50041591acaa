"""Erasure over HTTP: everything personal about the contact goes in one transaction (its row, its
contact points, timeline text, task titles, current consents, stored responses and the outbox's
copies), contact.erased is published, and every route answers 410 from then on."""

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlmodel import col, select

from crm_common.db import open_session, transaction
from crm_common.events.envelope import payload_class
from crm_contacts.config import ContactsSettings
from crm_contacts.consents.models import Consent, ConsentChange
from crm_contacts.contacts.models import Contact, ContactEmail, ContactPhone, ContactTag
from crm_contacts.interactions.models import Interaction
from crm_contacts.privacy import service as privacy
from crm_contacts.tasks.models import Task

PROBLEM = "https://rapport.dev/problems/"
UNKNOWN_ID = "01900000-0000-7000-8000-000000000000"
AsCustomer = Callable[[str], dict[str, str]]
AsRole = Callable[..., dict[str, str]]
Count = Callable[[str], int]

# Every piece of personal text the fixtures below store; none may survive an erasure.
PERSONAL = (
    "Ada",
    "Lovelace",
    "Augusta",
    "ada@example.com",
    "augusta@example.com",
    "4155550123",
    "4155550199",
    "Main St",
    "Berlin",
    "divorce",
    "Prefers mornings",
    "Analytical",
)


def seed(client: httpx.Client, admin: dict[str, str], api: Any) -> dict[str, Any]:
    """A contact with every kind of data this service holds, and a duplicate merged into it."""
    organization = api.create_contact(kind="organization", organization_name="Acme")
    created = client.post(
        "/v1/contacts",
        json={
            "kind": "person",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "organization_id": organization["id"],
            "emails": [{"address": "ada@example.com", "label": "work"}],
            "phones": [{"number": "+14155550123"}],
            "owner_id": "agent-7",
            "lifecycle_stage": "customer",
            "tags": ["vip"],
            "attributes": {"employer": "Analytical Engines"},
            "address": {"line1": "1 Main St", "city": "Berlin", "country": "DE"},
            "preferences": {"language": "en"},
            "rating": 5,
            "staff_comments": "Prefers mornings",
        },
        headers={**admin, "Idempotency-Key": "create-ada"},
    )
    assert created.status_code == 201, created.text
    contact = created.json()
    duplicate = api.create_contact(
        first_name="Augusta",
        emails=[{"address": "augusta@example.com"}],
        phones=[{"number": "+14155550199"}],
        attributes={"nickname": "Augusta"},
    )
    api.log_interaction(
        duplicate["id"],
        subject="Asked about the divorce",
        body="Long talk about the divorce",
        metadata={"from_number": "+14155550199"},
    )
    merged = client.post(
        f"/v1/contacts/{contact['id']}/merge",
        json={"duplicate_id": duplicate["id"]},
        headers=admin,
    )
    assert merged.status_code == 200, merged.text
    api.log_interaction(contact["id"], channel="note", direction="outbound")
    api.create_task(contact_id=contact["id"], title="Call Ada about the divorce")
    api.create_task(title="Order more paper")
    api.set_consent(contact["id"], "email_marketing", True, "web-form")
    api.set_consent(contact["id"], "sms", True, "call")
    api.set_consent(contact["id"], "email_marketing", False, "unsubscribe-link")
    return {"contact": contact, "duplicate": duplicate, "organization": organization}


def erase(client: httpx.Client, admin: dict[str, str], contact_id: str) -> httpx.Response:
    return client.post(f"/v1/contacts/{contact_id}/erasure", headers=admin)


def outbox_about(engine: Engine, *keys: str) -> list[tuple[str, dict[str, Any]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT key, envelope FROM outbox ORDER BY seq"),
        ).all()
    return [(json.loads(e)["type"], json.loads(e)) for k, e in rows if k in keys]


def test_erasure_anonymises_everything_in_one_go(
    client: httpx.Client, admin: dict[str, str], api: Any, engine: Engine, count: Count
) -> None:
    seeded = seed(client, admin, api)
    contact_id, duplicate_id = seeded["contact"]["id"], seeded["duplicate"]["id"]
    ids = [uuid.UUID(contact_id), uuid.UUID(duplicate_id)]

    response = erase(client, admin, contact_id)

    assert response.status_code == 202, response.text
    assert response.headers["Location"] == f"/v1/contacts/{contact_id}/erasure"
    request = response.json()
    requested_at = request["requested_at"]
    assert request == {
        "id": request["id"],
        "contact_id": contact_id,
        "status": "in_progress",
        "requested_at": requested_at,
        "completed_at": None,
        "services": [
            {"service": "contacts", "status": "completed", "completed_at": requested_at},
            {"service": "orders", "status": "pending", "completed_at": None},
            {"service": "routing", "status": "pending", "completed_at": None},
        ],
    }

    with open_session(engine, write=False) as session:
        for erased in (session.get(Contact, ids[0]), session.get(Contact, ids[1])):
            assert erased is not None
            assert (
                erased.first_name,
                erased.last_name,
                erased.organization_name,
                erased.organization_id,
                erased.search_name,
                erased.attributes,
                erased.address,
                erased.preferences,
                erased.rating,
                erased.staff_comments,
            ) == (None, None, None, None, "", {}, None, {}, None, None)
            assert erased.erased_at is not None
        survivor = session.get(Contact, ids[0])
        assert survivor is not None
        assert survivor.erased_at is not None
        assert survivor.erased_at.isoformat().replace("+00:00", "Z") == requested_at
        # What other services' records point at stays: the id, kind, owner and stage.
        assert (survivor.kind, survivor.owner_id, survivor.lifecycle_stage, survivor.version) == (
            "person",
            "agent-7",
            "customer",
            3,
        )
        assert session.get(Contact, ids[1]).merged_into_id == ids[0]  # type: ignore[union-attr]
        for model in (ContactEmail, ContactPhone, ContactTag, Consent):
            rows = session.exec(select(model).where(col(model.contact_id).in_(ids))).all()
            assert rows == [], model
        timeline = session.exec(select(Interaction).order_by(col(Interaction.occurred_at))).all()
        assert [(i.subject, i.body, i.details) for i in timeline] == [
            ("erased", None, {}),
            (None, None, {}),
        ]
        titles = session.exec(select(Task.title, Task.version).order_by(col(Task.id))).all()
        assert list(titles) == [("erased", 2), ("Order more paper", 1)]
        history = session.exec(
            select(ConsentChange.purpose, ConsentChange.granted, ConsentChange.source).order_by(
                col(ConsentChange.changed_at)
            )
        ).all()
        assert list(history) == [
            ("email_marketing", True, "web-form"),
            ("sms", True, "call"),
            ("email_marketing", False, "unsubscribe-link"),
        ]
    assert count("idempotency_keys") == 0
    assert count("contacts") == 3

    events = outbox_about(engine, contact_id, duplicate_id)
    assert [t for t, _ in events] == [
        "contacts.contact.created.v1",
        "contacts.contact.created.v1",
        "contacts.interaction.logged.v1",
        "contacts.contact.merged.v1",
        "contacts.interaction.logged.v1",
        "contacts.task.created.v1",
        "contacts.consent.changed.v1",
        "contacts.consent.changed.v1",
        "contacts.consent.changed.v1",
        "contacts.contact.erased.v1",
    ]
    for event_type, envelope in events:
        serialized = json.dumps(envelope)
        assert not [word for word in PERSONAL if word in serialized], event_type
        cls = payload_class(event_type)
        assert cls is not None
        cls.model_validate(envelope["data"])
    assert events[0][1]["data"]["contact"]["first_name"] is None
    assert events[3][1]["data"]["survivor"]["emails"] == []
    assert events[5][1]["data"]["title"] == "erased"
    assert events[-1][1]["data"] == {
        "contact_id": contact_id,
        "request_id": request["id"],
        "requested_at": requested_at,
    }
    # The organisation the person belonged to is not the person's data.
    organization = client.get(f"/v1/contacts/{seeded['organization']['id']}", headers=admin)
    assert organization.json()["organization_name"] == "Acme"


def test_asking_again_answers_the_existing_request(
    client: httpx.Client, admin: dict[str, str], api: Any, count: Count
) -> None:
    contact = api.create_contact()
    first = erase(client, admin, contact["id"]).json()
    outbox = count("outbox")

    again = erase(client, admin, contact["id"])

    assert again.status_code == 200
    assert again.json() == first
    assert count("outbox") == outbox
    progress = client.get(f"/v1/contacts/{contact['id']}/erasure", headers=admin)
    assert (progress.status_code, progress.json()) == (200, first)


def test_every_contact_route_answers_410_after_erasure(
    client: httpx.Client,
    admin: dict[str, str],
    api: Any,
    as_customer: AsCustomer,
) -> None:
    contact = api.create_contact(phones=[{"number": "+14155550123"}])
    other = api.create_contact(first_name="Grace")
    erased_at = erase(client, admin, contact["id"]).json()["requested_at"]
    base = f"/v1/contacts/{contact['id']}"
    me = as_customer(contact["id"])
    calls = [
        client.get(base, headers=admin),
        client.patch(base, json={"first_name": "Eve"}, headers=admin),
        client.get(f"{base}/interactions", headers=admin),
        client.post(
            f"{base}/interactions", json={"channel": "note", "direction": "inbound"}, headers=admin
        ),
        client.get(f"{base}/consents", headers=admin),
        client.put(f"{base}/consents/sms", json={"granted": True, "source": "x"}, headers=admin),
        client.get(f"{base}/duplicates", headers=admin),
        client.post(f"{base}/merge", json={"duplicate_id": other["id"]}, headers=admin),
        client.post(
            f"/v1/contacts/{other['id']}/merge", json={"duplicate_id": contact["id"]}, headers=admin
        ),
        client.get(f"/v1/privacy/contacts/{contact['id']}/export", headers=admin),
        client.get(f"/v1/privacy/contacts/{contact['id']}/export", headers=me),
        client.get("/v1/me", headers=me),
        client.patch("/v1/me", json={"first_name": "Eve"}, headers=me),
        client.get("/v1/me/consents", headers=me),
        client.get("/v1/me/consents/sms", headers=me),
        client.put("/v1/me/consents/sms", json={"granted": True}, headers=me),
    ]
    for response in calls:
        assert response.status_code == 410, response.request.url
        problem = response.json()
        assert (problem["type"], problem["title"], problem["erased_at"]) == (
            PROBLEM + "contact-erased",
            "Contact erased",
            erased_at,
        )
        assert "survivor_id" not in problem
    # ...except its erasure's progress.
    assert client.get(f"{base}/erasure", headers=admin).status_code == 200
    assert client.get("/v1/me/erasure", headers=me).status_code == 200
    listed = client.get("/v1/contacts", headers=admin).json()["items"]
    assert [c["id"] for c in listed] == [other["id"]]
    lookup = client.get("/v1/contacts/lookup", params={"phone": "+14155550123"}, headers=admin)
    assert lookup.status_code == 404
    task = client.post("/v1/tasks", json={"title": "x", "contact_id": contact["id"]}, headers=admin)
    assert task.status_code == 422
    assert task.json()["errors"][0]["message"] == "the contact was erased"
    member = client.post(
        "/v1/contacts",
        json={"kind": "person", "first_name": "Bo", "organization_id": contact["id"]},
        headers=admin,
    )
    assert member.status_code == 422


def test_a_customer_erases_their_own_data(
    client: httpx.Client, admin: dict[str, str], api: Any, as_customer: AsCustomer
) -> None:
    contact = api.create_contact(emails=[{"address": "ada@example.com"}])
    me = as_customer(contact["id"])
    assert client.get("/v1/me/erasure", headers=me).status_code == 404

    response = client.post("/v1/me/erasure", headers=me)

    assert response.status_code == 202, response.text
    assert response.headers["Location"] == "/v1/me/erasure"
    request = response.json()
    assert (request["contact_id"], request["status"]) == (contact["id"], "in_progress")
    assert [(s["service"], s["status"]) for s in request["services"]] == [
        ("contacts", "completed"),
        ("orders", "pending"),
        ("routing", "pending"),
    ]
    assert client.get("/v1/me/erasure", headers=me).json() == request
    assert client.post("/v1/me/erasure", headers=me).status_code == 200
    assert client.get(f"/v1/contacts/{contact['id']}/erasure", headers=admin).json() == request
    assert client.get("/v1/me", headers=me).status_code == 410


@pytest.mark.parametrize("role", ["manager", "agent", "partner", "website", "public"])
def test_only_admins_erase_contacts(
    client: httpx.Client, api: Any, as_role: AsRole, role: str, count: Count
) -> None:
    contact = api.create_contact()
    outbox = count("outbox")
    base = f"/v1/contacts/{contact['id']}/erasure"
    for response in (
        client.post(base, headers=as_role(role)),
        client.get(base, headers=as_role(role)),
    ):
        assert response.status_code == 403
        assert response.json()["type"] == PROBLEM + "forbidden"
    assert count("erasure_requests") == 0
    assert count("outbox") == outbox


def test_another_customer_cannot_use_the_admin_route(
    client: httpx.Client, api: Any, as_customer: AsCustomer
) -> None:
    contact = api.create_contact()
    response = client.post(
        f"/v1/contacts/{contact['id']}/erasure", headers=as_customer(contact["id"])
    )
    assert response.status_code == 403


def test_unknown_and_merged_contacts(
    client: httpx.Client, admin: dict[str, str], api: Any, count: Count
) -> None:
    unknown = erase(client, admin, UNKNOWN_ID)
    assert (unknown.status_code, unknown.json()["type"]) == (404, PROBLEM + "contact-not-found")
    none = client.get(f"/v1/contacts/{UNKNOWN_ID}/erasure", headers=admin)
    assert (none.status_code, none.json()["type"]) == (404, PROBLEM + "erasure-not-found")
    survivor, duplicate = api.create_contact(), api.create_contact()
    client.post(
        f"/v1/contacts/{survivor['id']}/merge",
        json={"duplicate_id": duplicate["id"]},
        headers=admin,
    )
    merged = erase(client, admin, duplicate["id"])
    assert (merged.status_code, merged.json()["survivor_id"]) == (410, survivor["id"])
    assert count("erasure_requests") == 0


def test_without_services_to_wait_for_the_request_completes_at_once(
    client: httpx.Client, api: Any, engine: Engine
) -> None:
    contact = api.create_contact()
    with transaction(engine) as session:
        read, created = privacy.request_erasure(session, uuid.UUID(contact["id"]), [])
    assert created
    assert (read.status, read.completed_at) == ("completed", read.requested_at)
    assert [(s.service, s.status) for s in read.services] == [("contacts", "completed")]


def test_the_services_to_wait_for_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ContactsSettings().erasure_services == ["orders", "routing"]
    monkeypatch.setenv("CRM_CONTACTS_ERASURE_SERVICES", '["routing"]')
    assert ContactsSettings().erasure_services == ["routing"]
    for wrong in ('["orders", "orders"]', '["analytics"]', "orders"):
        monkeypatch.setenv("CRM_CONTACTS_ERASURE_SERVICES", wrong)
        with pytest.raises(ValueError):  # pydantic ValidationError, or SettingsError for no JSON
            ContactsSettings()
