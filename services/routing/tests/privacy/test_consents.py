"""The consents read model: the latest change per contact and purpose wins (events read again or
out of order never move it back), and a merged contact answers with its survivor's consent."""

import uuid
from datetime import timedelta

from sqlmodel import Session

from crm_common.events import contacts
from crm_routing.readmodel import service as readmodel

from .conftest import T0, Privacy, consent, person


def stored(pv: Privacy, contact_id: uuid.UUID, purpose: str = "phone") -> tuple[bool, str] | None:
    with Session(pv.engine) as session:
        found = readmodel.consent_for(session, contact_id, purpose)
        if found is None:
            return None
        assert found.changed_at.tzinfo is not None
        return found.granted, found.changed_at.isoformat()


def test_the_newer_change_wins_whatever_the_order_they_arrive_in(pv: Privacy) -> None:
    contact_id = uuid.uuid4()
    assert stored(pv, contact_id) is None
    pv.apply(consent(contact_id, True, T0 + timedelta(minutes=2)), contact_id)
    pv.apply(consent(contact_id, False, T0 + timedelta(minutes=1)), contact_id)  # older: ignored
    pv.apply(consent(contact_id, False, T0 + timedelta(minutes=2)), contact_id)  # same time too
    assert stored(pv, contact_id) == (True, "2030-03-01T09:02:00+00:00")
    pv.apply(consent(contact_id, False, T0 + timedelta(minutes=3)), contact_id)
    assert stored(pv, contact_id) == (False, "2030-03-01T09:03:00+00:00")
    pv.apply(consent(contact_id, True, T0, purpose="sms"), contact_id)
    assert stored(pv, contact_id, "sms") == (True, "2030-03-01T09:00:00+00:00")
    assert stored(pv, contact_id) == (False, "2030-03-01T09:03:00+00:00")
    rows = pv.query(
        "SELECT purpose, granted, source FROM known_consents ORDER BY purpose"
    )  # one row per purpose
    assert [tuple(r) for r in rows] == [("phone", False, "web-form"), ("sms", True, "web-form")]


def test_a_redelivered_change_is_applied_once(pv: Privacy) -> None:
    contact_id = uuid.uuid4()
    event = pv.apply(consent(contact_id, True, T0), contact_id)
    assert pv.deliver(event) is False
    assert pv.rows("known_consents") == 1


def test_a_merged_contact_answers_with_its_survivors_consent(pv: Privacy) -> None:
    survivor, duplicate = uuid.uuid4(), uuid.uuid4()
    pv.apply(contacts.ContactCreated(contact=person(duplicate, ("+14155550190",))), duplicate)
    pv.apply(consent(duplicate, False, T0), duplicate)
    pv.apply(consent(survivor, True, T0 + timedelta(minutes=1)), survivor)
    merged = contacts.ContactMerged(
        survivor_id=survivor,
        duplicate_id=duplicate,
        survivor=person(survivor, ("+14155550190",), version=2),
    )
    pv.apply(merged, survivor)
    assert stored(pv, duplicate) == (True, "2030-03-01T09:01:00+00:00")
    assert stored(pv, survivor) == (True, "2030-03-01T09:01:00+00:00")
