"""Accounts over HTTP: balance and tier, redemptions and adjustments (never below zero), the
ledger's pages, Idempotency-Key, roles, unknown and merged contacts, and concurrent redemptions."""

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import Engine

from crm_common.db import transaction
from crm_common.testing import identity_headers
from crm_contacts.access import EVERYTHING
from crm_contacts.config import ContactsSettings
from crm_contacts.loyalty import service

DELIVERED = datetime(2030, 5, 4, 10, 0, tzinfo=UTC)


def account(client: httpx.Client, headers: dict[str, str], contact_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/contacts/{contact_id}/loyalty", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def entries(client: httpx.Client, headers: dict[str, str], contact_id: str) -> list[Any]:
    response = client.get(f"/v1/contacts/{contact_id}/loyalty/entries", headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def redeem(
    client: httpx.Client, headers: dict[str, str], contact_id: str, points: int, **extra: Any
) -> httpx.Response:
    return client.post(
        f"/v1/contacts/{contact_id}/loyalty/redemptions",
        json={"points": points, **extra},
        headers=headers,
    )


def test_a_contact_without_points_has_the_first_tier(
    client: httpx.Client, admin: dict[str, str], api: Any, count: Callable[[str], int]
) -> None:
    contact = api.create_contact()

    assert account(client, admin, contact["id"]) == {
        "contact_id": contact["id"],
        "balance": 0,
        "earned_points": 0,
        "tier": "bronze",
        "next_tier": "silver",
        "points_to_next_tier": 1000,
        "expiring": None,
    }
    assert entries(client, admin, contact["id"]) == []
    assert count("loyalty_accounts") == 0


def test_tiers_follow_lifetime_earned_points(
    client: httpx.Client, admin: dict[str, str], api: Any, earn: Any, grant: Any
) -> None:
    contact = api.create_contact()
    earn(contact["id"], "999.99", DELIVERED)
    summary = account(client, admin, contact["id"])
    assert (summary["tier"], summary["next_tier"], summary["points_to_next_tier"]) == (
        "bronze",
        "silver",
        1,
    )

    earn(contact["id"], "1.00", DELIVERED)
    assert redeem(client, admin, contact["id"], 600).status_code == 201
    grant(contact["id"], 3000)  # an adjustment changes the balance, not the tier
    summary = account(client, admin, contact["id"])
    assert {k: summary[k] for k in ("balance", "earned_points", "tier", "next_tier")} == {
        "balance": 3400,
        "earned_points": 1000,
        "tier": "silver",
        "next_tier": "gold",
    }
    assert summary["points_to_next_tier"] == 4000

    earn(contact["id"], "4000", DELIVERED)
    summary = account(client, admin, contact["id"])
    assert (summary["tier"], summary["next_tier"], summary["points_to_next_tier"]) == (
        "gold",
        None,
        None,
    )


def test_the_account_names_the_points_that_expire_soonest(
    client: httpx.Client, admin: dict[str, str], api: Any, earn: Any, grant: Any
) -> None:
    contact = api.create_contact()
    earn(contact["id"], "120.00", DELIVERED)
    earn(contact["id"], "80.00", datetime(2030, 6, 1, tzinfo=UTC))
    grant(contact["id"], 15)
    assert redeem(client, admin, contact["id"], 100).status_code == 201

    summary = account(client, admin, contact["id"])

    assert summary["balance"] == 115
    assert summary["expiring"] == {"points": 20, "expires_at": "2031-05-04T10:00:00Z"}


def test_redemptions_and_adjustments_write_the_ledger_newest_first(
    client: httpx.Client,
    admin: dict[str, str],
    as_role: Callable[..., dict[str, str]],
    api: Any,
    earn: Any,
    grant: Any,
) -> None:
    contact = api.create_contact()
    earned = earn(contact["id"], "250.40", DELIVERED)
    given = grant(contact["id"], 50, "Goodwill: late delivery")

    spent = redeem(client, as_role("partner"), contact["id"], 120, reason="Voucher V-1")
    assert spent.status_code == 201, spent.text
    taken = client.post(
        f"/v1/contacts/{contact['id']}/loyalty/adjustments",
        json={"points": -30, "reason": "Returned item"},
        headers=admin,
    )
    assert taken.status_code == 201, taken.text

    assert given == {
        "id": given["id"],
        "contact_id": contact["id"],
        "kind": "adjust",
        "points": 50,
        "balance_after": 300,
        "order_id": None,
        "reason": "Goodwill: late delivery",
        "created_at": given["created_at"],
        "expires_at": None,
    }
    ledger = entries(client, admin, contact["id"])
    assert [(e["kind"], e["points"], e["balance_after"], e["reason"]) for e in ledger] == [
        ("adjust", -30, 150, "Returned item"),
        ("redeem", -120, 180, "Voucher V-1"),
        ("adjust", 50, 300, "Goodwill: late delivery"),
        ("earn", 250, 250, "Order R-000001 delivered"),
    ]
    assert ledger[-1]["order_id"] == str(earned.order_id)
    assert ledger[-1]["expires_at"] == "2031-05-04T10:00:00Z"
    assert account(client, admin, contact["id"])["balance"] == 150

    first = client.get(
        f"/v1/contacts/{contact['id']}/loyalty/entries", params={"limit": 3}, headers=admin
    ).json()
    rest = client.get(
        f"/v1/contacts/{contact['id']}/loyalty/entries",
        params={"limit": 3, "cursor": first["next_cursor"]},
        headers=admin,
    ).json()
    assert [e["id"] for e in first["items"] + rest["items"]] == [e["id"] for e in ledger]
    assert rest["next_cursor"] is None


def test_a_redemption_beyond_the_balance_is_refused_and_writes_nothing(
    client: httpx.Client, admin: dict[str, str], api: Any, grant: Any, count: Callable[[str], int]
) -> None:
    contact = api.create_contact()
    grant(contact["id"], 100)

    refused = redeem(client, admin, contact["id"], 150)

    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert {k: problem[k] for k in ("type", "title", "detail", "balance", "requested")} == {
        "type": "https://rapport.dev/problems/insufficient-points",
        "title": "Not enough points",
        "detail": "The balance is 100 points; 150 were requested.",
        "balance": 100,
        "requested": 150,
    }
    assert count("loyalty_entries") == 1
    assert account(client, admin, contact["id"])["balance"] == 100

    taken = client.post(
        f"/v1/contacts/{contact['id']}/loyalty/adjustments",
        json={"points": -101, "reason": "Correction"},
        headers=admin,
    )
    assert (taken.status_code, taken.json()["balance"], taken.json()["requested"]) == (
        409,
        100,
        101,
    )
    assert count("loyalty_entries") == 1


def test_a_contact_without_an_account_cannot_redeem(
    client: httpx.Client, admin: dict[str, str], api: Any, count: Callable[[str], int]
) -> None:
    contact = api.create_contact()

    refused = redeem(client, admin, contact["id"], 1)

    assert (refused.status_code, refused.json()["balance"]) == (409, 0)
    assert count("loyalty_accounts") == 0


def test_bad_points_are_refused(client: httpx.Client, admin: dict[str, str], api: Any) -> None:
    contact = api.create_contact()
    base = f"/v1/contacts/{contact['id']}/loyalty"
    bad = [
        ("redemptions", {"points": 0}),
        ("redemptions", {"points": -5}),
        ("redemptions", {"points": "10"}),
        ("redemptions", {"points": 1.5}),
        ("redemptions", {"points": 10**10}),
        ("adjustments", {"points": 0, "reason": "Nothing"}),
        ("adjustments", {"points": 10}),
        ("adjustments", {"points": 10, "reason": " "}),
    ]
    for path, body in bad:
        response = client.post(f"{base}/{path}", json=body, headers=admin)
        assert response.status_code == 422, (path, body, response.text)
        assert response.json()["errors"][0]["field"].startswith("body."), response.text


def test_a_redemption_retried_with_its_idempotency_key_is_spent_once(
    client: httpx.Client, admin: dict[str, str], api: Any, grant: Any
) -> None:
    contact = api.create_contact()
    grant(contact["id"], 100)
    key = {**admin, "Idempotency-Key": "redeem-1"}

    first = redeem(client, key, contact["id"], 40)
    again = redeem(client, key, contact["id"], 40)
    other = redeem(client, key, contact["id"], 41)

    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert account(client, admin, contact["id"])["balance"] == 60


def test_who_may_read_redeem_and_adjust(
    client: httpx.Client,
    service_settings: ContactsSettings,
    as_role: Callable[..., dict[str, str]],
    as_customer: Callable[[str], dict[str, str]],
    api: Any,
    grant: Any,
) -> None:
    contact = api.create_contact(owner_id="agent-7")
    grant(contact["id"], 100)
    base = f"/v1/contacts/{contact['id']}/loyalty"
    adjustment = {"points": 5, "reason": "Bonus"}
    secret = service_settings.internal_secret
    owner = identity_headers(secret, "agent", agent_id="agent-7")
    other_agent = identity_headers(secret, "agent", agent_id="agent-8")
    manager = identity_headers(secret, "manager", agent_id="agent-7")

    for headers in (as_role("partner"), owner):
        assert client.get(base, headers=headers).status_code == 200
        assert client.get(f"{base}/entries", headers=headers).status_code == 200
        assert redeem(client, headers, contact["id"], 1).status_code == 201
    # Row-level access: an agent reaches only its own contacts.
    assert client.get(base, headers=other_agent).status_code == 404
    assert redeem(client, other_agent, contact["id"], 1).status_code == 404
    for headers in (as_role("website"), as_role("erp"), as_customer(contact["id"])):
        assert client.get(base, headers=headers).status_code == 403
        assert redeem(client, headers, contact["id"], 1).status_code == 403
    for headers in (owner, as_role("partner")):
        response = client.post(f"{base}/adjustments", json=adjustment, headers=headers)
        assert response.status_code == 403
    response = client.post(f"{base}/adjustments", json=adjustment, headers=manager)
    assert (response.status_code, response.json()["balance_after"]) == (201, 103)
    assert client.get(base).status_code == 401


def test_unknown_and_merged_contacts(
    client: httpx.Client, admin: dict[str, str], api: Any, grant: Any
) -> None:
    survivor = api.create_contact(first_name="Ada")
    duplicate = api.create_contact(first_name="Ada L.")
    merged = client.post(
        f"/v1/contacts/{survivor['id']}/merge",
        json={"duplicate_id": duplicate["id"]},
        headers=admin,
    )
    assert merged.status_code == 200, merged.text
    unknown = uuid.uuid4()

    for path in ("", "/entries"):
        assert client.get(f"/v1/contacts/{unknown}/loyalty{path}", headers=admin).status_code == 404
        gone = client.get(f"/v1/contacts/{duplicate['id']}/loyalty{path}", headers=admin)
        assert (gone.status_code, gone.json()["survivor_id"]) == (410, survivor["id"])
    assert redeem(client, admin, str(unknown), 1).status_code == 404
    assert redeem(client, admin, duplicate["id"], 1).status_code == 410
    response = client.post(
        f"/v1/contacts/{duplicate['id']}/loyalty/adjustments",
        json={"points": 5, "reason": "Bonus"},
        headers=admin,
    )
    assert response.status_code == 410


def test_concurrent_redemptions_never_overdraw(
    client: httpx.Client, admin: dict[str, str], api: Any, grant: Any, engine: Engine
) -> None:
    contact = api.create_contact()
    grant(contact["id"], 100)

    def attempt(_: int) -> tuple[int, str | None]:
        with httpx.Client(base_url=str(client.base_url), timeout=30) as own:
            response = redeem(own, admin, contact["id"], 30)
            return response.status_code, response.json().get("type")

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = sorted(pool.map(attempt, range(8)), key=str)

    # Each redemption waited for the account's lock and saw the balance its predecessors left:
    # the refusals are all for lack of points, none a clash with a concurrent write.
    refused = (409, "https://rapport.dev/problems/insufficient-points")
    assert outcomes == [(201, None)] * 3 + [refused] * 5
    ledger = entries(client, admin, contact["id"])
    assert [(e["kind"], e["balance_after"]) for e in ledger] == [
        ("redeem", 10),
        ("redeem", 40),
        ("redeem", 70),
        ("adjust", 100),
    ]
    with transaction(engine) as session:
        assert service.get_account(session, uuid.UUID(contact["id"]), EVERYTHING).balance == 10
