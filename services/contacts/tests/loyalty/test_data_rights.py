"""What the programme gives the privacy export, and what an erasure leaves of a ledger."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from crm_common.db import transaction
from crm_contacts.loyalty import service

DELIVERED = datetime(2030, 5, 4, 10, 0, tzinfo=UTC)


def test_the_export_holds_the_account_and_every_entry(
    api: Any, engine: Engine, earn: Any, grant: Any
) -> None:
    contact = api.create_contact()["id"]
    earned = earn(contact, "42.00", DELIVERED)
    given = grant(contact, 8, "Birthday")

    with transaction(engine) as session:
        exported = service.export(session, uuid.UUID(contact))
        nothing = service.export(session, uuid.uuid4())

    assert exported["loyalty_account"] == {
        "balance": 50,
        "earned_points": 42,
        "created_at": "2030-05-04T10:00:00Z",
        "updated_at": given["created_at"],
    }
    assert exported["loyalty_entries"] == [
        {
            "id": str(earned.id),
            "contact_id": contact,
            "kind": "earn",
            "points": 42,
            "balance_after": 42,
            "order_id": str(earned.order_id),
            "reason": "Order R-000001 delivered",
            "created_at": "2030-05-04T10:00:00Z",
            "expires_at": "2031-05-04T10:00:00Z",
        },
        given,
    ]
    assert nothing == {"loyalty_account": None, "loyalty_entries": []}


def test_an_erasure_replaces_the_reasons_once(
    api: Any, engine: Engine, earn: Any, grant: Any
) -> None:
    contact = api.create_contact()["id"]
    other = api.create_contact(first_name="Grace")["id"]
    earn(contact, "42.00", DELIVERED)
    grant(contact, 8, "Complaint by Ada Lovelace")
    grant(other, 5, "Kept")

    with transaction(engine) as session:
        first = service.erase(session, uuid.UUID(contact))
    with transaction(engine) as session:
        again = service.erase(session, uuid.UUID(contact))
        left = service.export(session, uuid.UUID(contact))
        untouched = service.export(session, uuid.UUID(other))

    assert (first, again) == (2, 0)
    assert [(e["points"], e["reason"]) for e in left["loyalty_entries"]] == [
        (42, "erased"),
        (8, "erased"),
    ]
    assert left["loyalty_account"]["balance"] == 50
    assert [e["reason"] for e in untouched["loyalty_entries"]] == ["Kept"]
