"""Caller-ID lookup by phone number in any usual format."""

from typing import Any

import httpx
import pytest

PROBLEM = "https://rapport.dev/problems/"


@pytest.mark.parametrize(
    "phone",
    ["+14155550123", "(415) 555-0123", "415.555.0123", "001 415 555 0123", "tel:+1-415-555-0123"],
)
def test_lookup_finds_the_contact_in_any_format(
    client: httpx.Client, admin: dict[str, str], api: Any, phone: str
) -> None:
    api.create_contact(first_name="Other", phones=[{"number": "+12025550173"}])
    contact = api.create_contact(phones=[{"number": "415-555-0123"}])
    response = client.get("/v1/contacts/lookup", params={"phone": phone}, headers=admin)
    assert response.status_code == 200
    assert response.json()["id"] == contact["id"]
    assert response.headers["ETag"] == '"1"'


def test_unknown_number_is_404(client: httpx.Client, admin: dict[str, str], api: Any) -> None:
    api.create_contact(phones=[{"number": "+14155550123"}])
    response = client.get("/v1/contacts/lookup", params={"phone": "+1 202 555 0173"}, headers=admin)
    assert response.status_code == 404
    problem = response.json()
    assert problem["type"] == PROBLEM + "contact-not-found"
    assert problem["phone"] == "+12025550173"


@pytest.mark.parametrize("phone", ["hello", "12", "+999999"])
def test_not_a_phone_number_is_422(client: httpx.Client, admin: dict[str, str], phone: str) -> None:
    response = client.get("/v1/contacts/lookup", params={"phone": phone}, headers=admin)
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == PROBLEM + "validation-error"
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [
        ("query.phone", "invalid_phone")
    ]


def test_missing_phone_is_422(client: httpx.Client, admin: dict[str, str]) -> None:
    response = client.get("/v1/contacts/lookup", headers=admin)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["query.phone"]


def test_lookup_prefers_the_oldest_contact_and_skips_merged_ones(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    first = api.create_contact(phones=[{"number": "+14155550123"}])
    second = api.create_contact(first_name="Bo", phones=[{"number": "+14155550123"}])
    assert (
        client.get("/v1/contacts/lookup", params={"phone": "4155550123"}, headers=admin).json()[
            "id"
        ]
        == first["id"]
    )
    merged = client.post(
        f"/v1/contacts/{second['id']}/merge", json={"duplicate_id": first["id"]}, headers=admin
    )
    assert merged.status_code == 200
    assert (
        client.get("/v1/contacts/lookup", params={"phone": "4155550123"}, headers=admin).json()[
            "id"
        ]
        == second["id"]
    )
