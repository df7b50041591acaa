"""A merge moves the duplicate's points, with their expiry, to the survivor."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, text

from .conftest import Earn


def test_a_merge_moves_the_points_and_their_expiry(
    client: httpx.Client,
    admin: dict[str, str],
    api: Any,
    earn: Earn,
    grant: Callable[..., dict[str, Any]],
    engine: Engine,
) -> None:
    survivor, duplicate = api.create_contact()["id"], api.create_contact(first_name="Augusta")["id"]
    delivered = datetime.now(UTC) - timedelta(days=10)
    earn(duplicate, "120.00", delivered)
    grant(duplicate, 30)
    grant(survivor, 5)

    merged = client.post(
        f"/v1/contacts/{survivor}/merge", json={"duplicate_id": duplicate}, headers=admin
    )
    assert merged.status_code == 200, merged.text

    account = client.get(f"/v1/contacts/{survivor}/loyalty", headers=admin).json()
    assert (account["balance"], account["earned_points"]) == (155, 120)
    entries = client.get(f"/v1/contacts/{survivor}/loyalty/entries", headers=admin).json()["items"]
    moved = [e for e in entries if (e["reason"] or "").startswith("Moved from merged contact")]
    assert sorted((e["points"], e["expires_at"] is not None) for e in moved) == [
        (30, False),
        (120, True),
    ]
    expiry = next(e["expires_at"] for e in moved if e["points"] == 120)
    assert datetime.fromisoformat(expiry) == delivered + timedelta(days=365)
    # The duplicate answers 410 now; its ledger ends with the points leaving it.
    assert client.get(f"/v1/contacts/{duplicate}/loyalty", headers=admin).status_code == 410
    with engine.connect() as conn:
        last = conn.execute(
            text(
                "SELECT kind, points, balance_after FROM loyalty_entries "
                "WHERE contact_id = :c ORDER BY seq DESC LIMIT 1"
            ),
            {"c": uuid.UUID(duplicate).hex if engine.dialect.name == "sqlite" else duplicate},
        ).one()
    assert tuple(last) == ("adjust", -150, 0)


def test_a_duplicate_without_points_moves_nothing(
    client: httpx.Client, admin: dict[str, str], api: Any, grant: Callable[..., dict[str, Any]]
) -> None:
    survivor, duplicate = api.create_contact()["id"], api.create_contact()["id"]
    grant(survivor, 7)

    client.post(f"/v1/contacts/{survivor}/merge", json={"duplicate_id": duplicate}, headers=admin)

    entries = client.get(f"/v1/contacts/{survivor}/loyalty/entries", headers=admin).json()["items"]
    assert [e["points"] for e in entries] == [7]
