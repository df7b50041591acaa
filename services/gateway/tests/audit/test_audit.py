"""The audit log: who read or changed whose personal data, when and why; append-only."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from ..helpers import bearer, create_key

CONTACT = "0192f5e0-7c1a-7d4e-9b3a-5f6e7d8c9b0a"


def entries(client: httpx.Client, admin: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = client.get("/v1/audit", params=params, headers=admin)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_reads_and_changes_by_partners_and_staff_are_recorded(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    partner = create_key(client, "partner")
    agent = create_key(client, "agent")

    read = client.get(
        f"/v1/contacts/{CONTACT}",
        headers=bearer(partner["key"]) | {"X-Rapport-Reason": "support ticket 42"},
    )
    changed = client.patch(f"/v1/contacts/{CONTACT}/x", json={"a": 1}, headers=bearer(agent["key"]))
    assert (read.status_code, changed.status_code) == (200, 200)

    found = entries(client, admin, contact_id=CONTACT)
    assert [
        (e["principal_id"], e["action"], e["method"], e["path"], e["status"]) for e in found
    ] == [
        (agent["id"], "change", "PATCH", f"/v1/contacts/{CONTACT}/x", 200),
        (partner["id"], "read", "GET", f"/v1/contacts/{CONTACT}", 200),
    ]
    assert found[1]["reason"] == "support ticket 42"
    assert found[1]["roles"] == ["partner"]
    assert found[0]["reason"] is None
    assert found[1]["request_id"] == read.headers["x-request-id"]
    assert entries(client, admin, principal_id=partner["id"])[0]["contact_id"] == CONTACT


def test_a_list_is_recorded_without_a_contact_when_none_is_named(
    client: httpx.Client, admin: dict[str, str], key_for: Callable[..., dict[str, str]]
) -> None:
    assert (
        client.get("/v1/contacts", params={"q": "ada"}, headers=key_for("partner")).status_code
        == 200
    )

    found = entries(client, admin)
    assert [(e["path"], e["contact_id"]) for e in found] == [("/v1/contacts", None)]


def test_reads_outside_personal_data_and_customers_own_are_not_recorded(
    client: httpx.Client, admin: dict[str, str], key_for: Callable[..., dict[str, str]]
) -> None:
    website = key_for("website")
    token = client.post(
        "/v1/auth/customer-tokens", json={"contact_id": CONTACT}, headers=website
    ).json()["access_token"]

    assert client.get("/v1/me", headers=bearer(token)).status_code == 200
    assert client.get("/v1/products", headers=website).status_code == 200

    assert entries(client, admin) == []


def test_the_audit_log_is_for_admins(
    client: httpx.Client, key_for: Callable[..., dict[str, str]]
) -> None:
    for role in ("manager", "agent", "partner"):
        assert client.get("/v1/audit", headers=key_for(role)).status_code == 403


def test_the_database_refuses_to_change_or_remove_an_entry(
    client: httpx.Client,
    admin: dict[str, str],
    engine: Engine,
    key_for: Callable[..., dict[str, str]],
) -> None:
    client.get(f"/v1/contacts/{CONTACT}", headers=key_for("partner"))
    assert len(entries(client, admin)) == 1

    for statement in ("UPDATE audit_entries SET status = 500", "DELETE FROM audit_entries"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    assert entries(client, admin)[0]["status"] == 200


@pytest.mark.parametrize(
    "params", [{"contact_id": "x"}, {"since": "2026-01-01T00:00:00"}, {"cursor": "forged"}]
)
def test_bad_filters_are_422(
    client: httpx.Client, admin: dict[str, str], params: dict[str, str]
) -> None:
    assert client.get("/v1/audit", params=params, headers=admin).status_code == 422
