"""The export of everything the contacts service holds about a person: for admins with the
internal assessments, for the customer themselves without them, for nobody else."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from crm_contacts.privacy.service import EXPORT_PAGE

PROBLEM = "https://rapport.dev/problems/"
UNKNOWN_ID = "01900000-0000-7000-8000-000000000000"
AsCustomer = Callable[[str], dict[str, str]]
AsRole = Callable[..., dict[str, str]]


def export(client: httpx.Client, contact_id: str, headers: dict[str, str]) -> httpx.Response:
    return client.get(f"/v1/privacy/contacts/{contact_id}/export", headers=headers)


def test_an_admin_exports_everything_about_a_person(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    contact = api.create_contact(
        emails=[{"address": "ada@example.com"}],
        tags=["vip"],
        attributes={"segment": "a"},
        preferences={"language": "en"},
        rating=4,
        staff_comments="Haggles",
    )
    duplicate = api.create_contact(first_name="Augusta")
    client.post(
        f"/v1/contacts/{contact['id']}/merge",
        json={"duplicate_id": duplicate["id"]},
        headers=admin,
    )
    # More than a page of timeline: the export reads it all.
    logged = [
        api.log_interaction(
            contact["id"],
            subject=f"Call {i}",
            occurred_at=f"2030-01-01T09:{i // 60:02d}:{i % 60:02d}Z",
        )
        for i in range(EXPORT_PAGE + 1)
    ]
    task = api.create_task(contact_id=contact["id"], title="Send the catalogue")
    api.create_task(title="Someone else's")
    api.set_consent(contact["id"], "sms", True, "call")
    current = client.get(f"/v1/contacts/{contact['id']}", headers=admin).json()

    response = export(client, contact["id"], admin)

    assert response.status_code == 200, response.text
    document = response.json()
    assert (document["service"], document["contact_id"]) == ("contacts", contact["id"])
    data = document["data"]
    assert set(data) == {
        "contact",
        "interactions",
        "tasks",
        "consents",
        "loyalty",
        "merged_contacts",
    }
    assert data["loyalty"] == {"loyalty_account": None, "loyalty_entries": []}
    assert data["contact"] == current
    assert (data["contact"]["rating"], data["contact"]["staff_comments"]) == (4, "Haggles")
    assert [i["id"] for i in data["interactions"]] == [i["id"] for i in reversed(logged)]
    assert data["tasks"] == [task]
    assert [(h["purpose"], h["granted"], h["source"]) for h in data["consents"]["history"]] == [
        ("sms", True, "call")
    ]
    assert data["consents"]["contact_id"] == contact["id"]
    [merged] = data["merged_contacts"]
    assert (merged["contact"]["id"], merged["contact"]["first_name"]) == (
        duplicate["id"],
        "Augusta",
    )
    assert merged["merged_at"] is not None


def test_the_customer_exports_their_own_data_without_internal_assessments(
    client: httpx.Client, admin: dict[str, str], api: Any, as_customer: AsCustomer
) -> None:
    contact = api.create_contact(tags=["vip"], rating=2, staff_comments="Difficult")
    api.log_interaction(contact["id"], subject="Complaint")

    response = export(client, contact["id"], as_customer(contact["id"]))

    assert response.status_code == 200, response.text
    exported = response.json()["data"]["contact"]
    assert "rating" not in exported
    assert "staff_comments" not in exported
    staff_view = client.get(f"/v1/contacts/{contact['id']}", headers=admin).json()
    del staff_view["rating"], staff_view["staff_comments"]
    assert exported == staff_view
    assert [i["subject"] for i in response.json()["data"]["interactions"]] == ["Complaint"]


@pytest.mark.parametrize("role", ["manager", "agent", "partner", "website", "public"])
def test_staff_and_integrations_may_not_export(
    client: httpx.Client, api: Any, as_role: AsRole, role: str
) -> None:
    contact = api.create_contact()
    response = export(client, contact["id"], as_role(role))
    assert response.status_code == 403
    assert response.json()["type"] == PROBLEM + "forbidden"


def test_a_customer_may_not_export_another_person(
    client: httpx.Client, api: Any, as_customer: AsCustomer
) -> None:
    mine, theirs = api.create_contact(), api.create_contact(first_name="Grace")
    for target in (theirs["id"], UNKNOWN_ID):
        response = export(client, target, as_customer(mine["id"]))
        assert response.status_code == 403, target
        assert response.json()["type"] == PROBLEM + "forbidden"


def test_unknown_merged_and_erased_contacts(
    client: httpx.Client, admin: dict[str, str], api: Any, as_customer: AsCustomer
) -> None:
    unknown = export(client, UNKNOWN_ID, admin)
    assert (unknown.status_code, unknown.json()["type"]) == (404, PROBLEM + "contact-not-found")
    assert export(client, UNKNOWN_ID, as_customer(UNKNOWN_ID)).status_code == 404
    survivor, duplicate = api.create_contact(), api.create_contact()
    client.post(
        f"/v1/contacts/{survivor['id']}/merge",
        json={"duplicate_id": duplicate["id"]},
        headers=admin,
    )
    merged = export(client, duplicate["id"], admin)
    assert (merged.status_code, merged.json()["survivor_id"]) == (410, survivor["id"])
    client.post(f"/v1/contacts/{survivor['id']}/erasure", headers=admin)
    erased = export(client, survivor["id"], admin)
    assert (erased.status_code, erased.json()["type"]) == (410, PROBLEM + "contact-erased")
