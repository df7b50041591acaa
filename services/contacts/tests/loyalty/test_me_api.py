"""A customer's own account (`/v1/me/loyalty`): only with a customer token, only its own points."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from crm_common.testing import live_server
from crm_contacts.config import ContactsSettings
from crm_contacts.main import create_app

DELIVERED = datetime(2030, 5, 4, 10, 0, tzinfo=UTC)


def test_a_customer_sees_its_own_account_and_latest_entries(
    client: httpx.Client,
    as_customer: Callable[[str], dict[str, str]],
    api: Any,
    earn: Any,
    grant: Any,
) -> None:
    contact = api.create_contact()
    other = api.create_contact(first_name="Grace")
    earned = earn(contact["id"], "300.00", DELIVERED)
    grant(contact["id"], 25, "Complaint about the courier")
    grant(other["id"], 999)

    response = client.get("/v1/me/loyalty", headers=as_customer(contact["id"]))

    assert response.status_code == 200, response.text
    body = response.json()
    adjusted = body["entries"][0]
    assert body == {
        "contact_id": contact["id"],
        "balance": 325,
        "earned_points": 300,
        "tier": "bronze",
        "next_tier": "silver",
        "points_to_next_tier": 700,
        "expiring": {"points": 300, "expires_at": "2031-05-04T10:00:00Z"},
        "entries": [
            {
                "id": adjusted["id"],
                "kind": "adjust",
                "points": 25,
                "balance_after": 325,
                "order_id": None,
                "reason": None,  # staff's words stay internal
                "created_at": adjusted["created_at"],
                "expires_at": None,
            },
            {
                "id": str(earned.id),
                "kind": "earn",
                "points": 300,
                "balance_after": 300,
                "order_id": str(earned.order_id),
                "reason": "Order R-000001 delivered",
                "created_at": "2030-05-04T10:00:00Z",
                "expires_at": "2031-05-04T10:00:00Z",
            },
        ],
    }


def test_a_customer_redeems_its_own_points_and_never_beyond_them(
    client: httpx.Client,
    admin: dict[str, str],
    as_customer: Callable[[str], dict[str, str]],
    api: Any,
    grant: Any,
    count: Callable[[str], int],
) -> None:
    contact = api.create_contact()
    grant(contact["id"], 100)
    me = as_customer(contact["id"])

    spent = client.post(
        "/v1/me/loyalty/redemptions",
        json={"points": 70, "reason": "Web shop voucher"},
        headers={**me, "Idempotency-Key": "k-1"},
    )
    replayed = client.post(
        "/v1/me/loyalty/redemptions",
        json={"points": 70, "reason": "Web shop voucher"},
        headers={**me, "Idempotency-Key": "k-1"},
    )
    refused = client.post("/v1/me/loyalty/redemptions", json={"points": 31}, headers=me)

    assert spent.status_code == 201, spent.text
    assert {k: spent.json()[k] for k in ("kind", "points", "balance_after", "reason")} == {
        "kind": "redeem",
        "points": -70,
        "balance_after": 30,
        "reason": "Web shop voucher",
    }
    assert "contact_id" not in spent.json()
    assert (replayed.status_code, replayed.json()) == (201, spent.json())
    assert (refused.status_code, refused.json()["balance"], refused.json()["requested"]) == (
        409,
        30,
        31,
    )
    assert count("loyalty_entries") == 2
    staff_view = client.get(f"/v1/contacts/{contact['id']}/loyalty", headers=admin).json()
    assert staff_view["balance"] == 30


def test_only_a_customer_token_reaches_its_own_account(
    client: httpx.Client,
    as_role: Callable[..., dict[str, str]],
    as_customer: Callable[[str], dict[str, str]],
    api: Any,
) -> None:
    for headers in (as_role("admin"), as_role("partner"), as_role("website")):
        assert client.get("/v1/me/loyalty", headers=headers).status_code == 403
        response = client.post("/v1/me/loyalty/redemptions", json={"points": 1}, headers=headers)
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/me/loyalty").status_code == 401

    unknown = client.get("/v1/me/loyalty", headers=as_customer(str(uuid.uuid4())))
    assert unknown.status_code == 404
    survivor, duplicate = api.create_contact(), api.create_contact(first_name="Ada L.")
    merged = client.post(
        f"/v1/contacts/{survivor['id']}/merge",
        json={"duplicate_id": duplicate["id"]},
        headers=as_role("admin"),
    )
    assert merged.status_code == 200, merged.text
    gone = client.get("/v1/me/loyalty", headers=as_customer(duplicate["id"]))
    assert (gone.status_code, gone.json()["survivor_id"]) == (410, survivor["id"])


def test_the_number_of_latest_entries_is_a_setting(
    service_settings: ContactsSettings,
    client: httpx.Client,
    as_customer: Callable[[str], dict[str, str]],
    api: Any,
    grant: Any,
) -> None:
    contact = api.create_contact()
    for points in (1, 2, 3):
        grant(contact["id"], points)
    settings = service_settings.model_copy(
        update={"loyalty_latest_entries": 2, "relay_enabled": False, "consumers_enabled": False}
    )

    with live_server(create_app(settings)) as running:
        response = httpx.get(
            f"{running.url}/v1/me/loyalty", headers=as_customer(contact["id"]), timeout=15
        )

    assert [e["points"] for e in response.json()["entries"]] == [3, 2]
    default = client.get("/v1/me/loyalty", headers=as_customer(contact["id"])).json()
    assert [e["points"] for e in default["entries"]] == [3, 2, 1]
