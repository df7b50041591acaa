"""Payloads of an erased contact's events without personal data, still valid for their schema."""

import uuid
from datetime import UTC, datetime
from typing import Any

from crm_common.events import contacts as events
from crm_contacts.privacy.scrub import scrubbed

CONTACT_ID = uuid.UUID("01900000-0000-7000-8000-000000000001")
AT = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


def person() -> events.ContactSnapshot:
    return events.ContactSnapshot(
        id=CONTACT_ID,
        kind="person",
        first_name="Ada",
        last_name="Lovelace",
        organization_name="Analytical Engines",
        organization_id=uuid.UUID("01900000-0000-7000-8000-000000000002"),
        emails=[events.EmailPoint(address="ada@example.com", label="work")],
        phones=[events.PhonePoint(number="+14155550123")],
        owner_id="agent-7",
        assignee_ids=["agent-8"],
        lifecycle_stage="customer",
        tags=["vip"],
        attributes={"segment": "a"},
        version=3,
        created_at=AT,
        updated_at=AT,
    )


ERASED_SNAPSHOT: dict[str, Any] = {
    "id": str(CONTACT_ID),
    "kind": "person",
    "first_name": None,
    "last_name": None,
    "organization_name": None,
    "organization_id": None,
    "emails": [],
    "phones": [],
    "owner_id": "agent-7",
    "assignee_ids": ["agent-8"],  # who works on the row, as the owner: not the person's data
    "lifecycle_stage": "customer",
    "tags": [],
    "attributes": {},
    "version": 3,
    "created_at": "2030-01-01T09:00:00Z",
    "updated_at": "2030-01-01T09:00:00Z",
}


def scrub(payload: events.EventPayload) -> dict[str, Any]:
    data = scrubbed(payload.event_type, payload.model_dump(mode="json"))
    type(payload).model_validate(data)  # still valid for its schema
    return data


def test_contact_snapshots_keep_only_what_identifies_the_row() -> None:
    assert scrub(events.ContactCreated(contact=person())) == {"contact": ERASED_SNAPSHOT}
    assert scrub(events.ContactUpdated(contact=person(), changed_fields=["last_name"])) == {
        "contact": ERASED_SNAPSHOT,
        "changed_fields": ["last_name"],
    }
    duplicate = uuid.UUID("01900000-0000-7000-8000-000000000003")
    merged = events.ContactMerged(survivor_id=CONTACT_ID, duplicate_id=duplicate, survivor=person())
    assert scrub(merged) == {
        "survivor_id": str(CONTACT_ID),
        "duplicate_id": str(duplicate),
        "survivor": ERASED_SNAPSHOT,
    }


def test_free_text_says_erased() -> None:
    logged = events.InteractionLogged(
        id=uuid.UUID("01900000-0000-7000-8000-000000000004"),
        contact_id=CONTACT_ID,
        channel="call",
        direction="inbound",
        occurred_at=AT,
        subject="Ada's divorce",
        agent_id="agent-7",
        duration_seconds=60,
    )
    assert scrub(logged) == {**logged.model_dump(mode="json"), "subject": "erased"}
    untitled = logged.model_copy(update={"subject": None})
    assert scrub(untitled) == untitled.model_dump(mode="json")
    task = events.TaskCreated(
        id=uuid.UUID("01900000-0000-7000-8000-000000000005"),
        title="Call Ada about her divorce",
        kind="call",
        contact_id=CONTACT_ID,
    )
    assert scrub(task) == {**task.model_dump(mode="json"), "title": "erased"}


def test_payloads_without_personal_data_stay_as_they_are() -> None:
    for payload in (
        events.ConsentChanged(
            contact_id=CONTACT_ID, purpose="sms", granted=True, source="web-form", changed_at=AT
        ),
        events.TaskCompleted(id=uuid.uuid4(), contact_id=CONTACT_ID, completed_at=AT),
        events.ContactErased(contact_id=CONTACT_ID, request_id=uuid.uuid4(), requested_at=AT),
    ):
        assert scrub(payload) == payload.model_dump(mode="json")
