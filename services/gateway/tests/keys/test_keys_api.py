"""/v1/api-keys: issue (secret once, hash only), list, read, revoke, idempotency, validation."""

import hashlib
import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import Engine, text

from crm_gateway.keys.service import BOOTSTRAP_NAME

from ..helpers import BOOTSTRAP_KEY, Running, bearer, create_key

KEY_FIELDS = {
    "id",
    "name",
    "description",
    "roles",
    "agent_id",
    "team",
    "rate_limit_per_minute",
    "prefix",
    "created_at",
    "last_used_at",
    "revoked_at",
}


def stored_hashes(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, key_hash FROM api_keys")).all()
    return {str(uuid.UUID(str(row[0]))): str(row[1]) for row in rows}


def test_create_returns_the_secret_once_and_stores_only_its_hash(
    client: httpx.Client, admin: dict[str, str], engine: Engine
) -> None:
    response = client.post(
        "/v1/api-keys",
        json={"name": "ERP production", "roles": ["erp"], "description": "orders feed"},
        headers=admin,
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == KEY_FIELDS | {"key"}
    assert re.fullmatch(r"rk_[A-Za-z0-9_-]{40}", body["key"])
    assert body["prefix"] == body["key"][:8]
    assert body["name"] == "ERP production"
    assert body["description"] == "orders feed"
    assert body["roles"] == ["erp"]
    assert body["revoked_at"] is None
    assert body["last_used_at"] is None
    assert response.headers["location"] == f"/v1/api-keys/{body['id']}"
    assert uuid.UUID(body["id"]).version == 7
    assert stored_hashes(engine)[body["id"]] == hashlib.sha256(body["key"].encode()).hexdigest()
    with engine.connect() as conn:
        dump = repr(conn.execute(text("SELECT * FROM api_keys")).all())
        dump += repr(conn.execute(text("SELECT * FROM idempotency_keys")).all())
    assert body["key"] not in dump


def test_list_and_get_never_show_the_secret(client: httpx.Client, admin: dict[str, str]) -> None:
    created = create_key(client, "partner", name="Partner A")

    listed = client.get("/v1/api-keys", headers=admin)
    one = client.get(f"/v1/api-keys/{created['id']}", headers=admin)

    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [item["name"] for item in items] == [BOOTSTRAP_NAME, "Partner A"]
    assert all(set(item) == KEY_FIELDS for item in items)
    assert listed.json()["next_cursor"] is None
    assert one.status_code == 200
    assert one.json() == {k: v for k, v in created.items() if k != "key"}
    assert created["key"] not in listed.text + one.text


def test_list_pages_with_a_cursor(client: httpx.Client, admin: dict[str, str]) -> None:
    names = [create_key(client, "agent", name=f"key {i}")["name"] for i in range(4)]

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/api-keys", params=params, headers=admin).json()
        seen += [item["name"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == [BOOTSTRAP_NAME, *names]
    assert pages == 3


def test_a_foreign_cursor_is_422(client: httpx.Client, admin: dict[str, str]) -> None:
    # base64url of "[5]": a well-formed cursor holding a number where an id belongs
    response = client.get("/v1/api-keys", params={"cursor": "WzVd"}, headers=admin)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"field": "query.cursor", "message": "invalid cursor", "code": "invalid_cursor"}
    ]


def test_revoke_refuses_the_key_at_once_and_keeps_it_on_record(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    created = create_key(client, "partner")
    key = bearer(created["key"])
    assert client.get("/v1/contacts", headers=key).status_code == 200

    revoked = client.delete(f"/v1/api-keys/{created['id']}", headers=admin)
    refused = client.get("/v1/contacts", headers=key)
    again = client.delete(f"/v1/api-keys/{created['id']}", headers=admin)

    assert revoked.status_code == 204
    assert revoked.content == b""
    assert refused.status_code == 401
    assert refused.json()["title"] == "Invalid API key"
    assert again.status_code == 204
    record = client.get(f"/v1/api-keys/{created['id']}", headers=admin).json()
    assert record["revoked_at"] is not None
    active = client.get("/v1/api-keys", headers=admin).json()["items"]
    everything = client.get(
        "/v1/api-keys", params={"include_revoked": "true"}, headers=admin
    ).json()["items"]
    assert [item["id"] for item in active if item["id"] == created["id"]] == []
    assert [item["id"] for item in everything if item["id"] == created["id"]] == [created["id"]]


def test_unknown_key_id_is_404(client: httpx.Client, admin: dict[str, str]) -> None:
    missing = "0190a000-0000-7000-8000-000000000000"

    got = client.get(f"/v1/api-keys/{missing}", headers=admin)
    deleted = client.delete(f"/v1/api-keys/{missing}", headers=admin)
    malformed = client.get("/v1/api-keys/not-a-uuid", headers=admin)

    assert got.status_code == 404
    assert got.json()["title"] == "API key not found"
    assert deleted.status_code == 404
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["field"] == "path.key_id"


def test_idempotency_key_replays_the_first_answer_with_its_secret(
    client: httpx.Client, admin: dict[str, str], count: Callable[..., int]
) -> None:
    headers = admin | {"Idempotency-Key": "create-erp-1"}
    body = {"name": "ERP", "roles": ["erp"]}

    first = client.post("/v1/api-keys", json=body, headers=headers)
    second = client.post("/v1/api-keys", json=body, headers=headers)
    other = client.post("/v1/api-keys", json={**body, "name": "ERP 2"}, headers=headers)

    assert first.status_code == 201
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert second.headers["location"] == first.headers["location"]
    assert "idempotent-replayed" not in first.headers
    assert other.status_code == 422
    assert other.json()["title"] == "Idempotency key reused with another request"
    assert count("api_keys", "name = :name", name="ERP") == 1
    replayed_key = bearer(second.json()["key"])
    assert client.get("/v1/contacts", headers=replayed_key).status_code == 403


def test_unknown_role_is_422_with_the_field_path(
    client: httpx.Client, admin: dict[str, str], count: Callable[..., int]
) -> None:
    response = client.post(
        "/v1/api-keys", json={"name": "x", "roles": ["agent", "root"]}, headers=admin
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == ["body.roles.1"]
    assert count("api_keys") == 1


def test_no_roles_blank_name_and_unknown_fields_are_422(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    def fields(body: dict[str, Any]) -> list[str]:
        response = client.post("/v1/api-keys", json=body, headers=admin)
        assert response.status_code == 422
        return [error["field"] for error in response.json()["errors"]]

    assert fields({"name": "x", "roles": []}) == ["body.roles"]
    assert fields({"name": "", "roles": ["agent"]}) == ["body.name"]
    assert fields({"name": "a\x00b", "roles": ["agent"]}) == ["body.name"]
    assert fields({"name": "x", "roles": ["agent"], "secret": "y"}) == ["body.secret"]


def test_an_agent_key_carries_its_agent_to_the_services(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    agent_id = str(uuid.uuid4())
    created = create_key(client, "agent", agent_id=agent_id)
    assert created["agent_id"] == agent_id
    assert client.get(f"/v1/api-keys/{created['id']}", headers=admin).json()["agent_id"] == agent_id
    echoed = client.get("/v1/tasks", headers=bearer(created["key"])).json()
    assert (echoed["roles"], echoed["agent_id"]) == (["agent"], agent_id)
    unlinked = create_key(client, "agent")
    assert client.get("/v1/tasks", headers=bearer(unlinked["key"])).json()["agent_id"] is None

    refused = client.post(
        "/v1/api-keys", json={"name": "x", "roles": ["erp"], "agent_id": agent_id}, headers=admin
    )
    assert refused.status_code == 422
    assert [error["field"] for error in refused.json()["errors"]] == ["body.agent_id"]
    malformed = client.post(
        "/v1/api-keys", json={"name": "x", "roles": ["agent"], "agent_id": "a-1"}, headers=admin
    )
    assert [error["field"] for error in malformed.json()["errors"]] == ["body.agent_id"]


def test_duplicate_roles_are_stored_once(client: httpx.Client) -> None:
    created = create_key(client, "partner", "agent", "partner")

    assert created["roles"] == ["agent", "partner"]


def test_only_admins_manage_keys(
    client: httpx.Client, key_for: Callable[..., dict[str, str]]
) -> None:
    for role in ("manager", "agent", "partner", "website", "erp", "telephony"):
        headers = key_for(role)
        listed = client.get("/v1/api-keys", headers=headers)
        created = client.post(
            "/v1/api-keys", json={"name": "sneaky", "roles": ["admin"]}, headers=headers
        )
        assert listed.status_code == 403, role
        assert created.status_code == 403, role
        assert listed.json()["detail"] == "/v1/api-keys needs one of the roles: admin."


def test_a_new_admin_key_manages_keys(client: httpx.Client) -> None:
    second_admin = bearer(create_key(client, "admin")["key"])

    response = client.post(
        "/v1/api-keys",
        json={"name": "by the second admin", "roles": ["agent"]},
        headers=second_admin,
    )

    assert response.status_code == 201


def test_bootstrap_key_is_registered_once_across_restarts(
    client: httpx.Client,
    start_gateway: Callable[..., Running],
    count: Callable[..., int],
) -> None:
    digest = hashlib.sha256(BOOTSTRAP_KEY.encode()).hexdigest()

    first = start_gateway()
    first.server.stop()
    second = start_gateway()

    assert count("api_keys", "key_hash = :digest", digest=digest) == 1
    assert count("api_keys") == 1
    with httpx.Client(base_url=second.url) as http:
        answer = http.post(
            "/v1/api-keys", json={"name": "n", "roles": ["agent"]}, headers=bearer(BOOTSTRAP_KEY)
        )
    assert answer.status_code == 201
    record = client.get("/v1/api-keys", headers=bearer(BOOTSTRAP_KEY)).json()["items"][0]
    assert record["name"] == BOOTSTRAP_NAME
    assert record["roles"] == ["admin"]
    assert record["prefix"] == BOOTSTRAP_KEY[:8]


def test_last_use_is_recorded(client: httpx.Client, admin: dict[str, str]) -> None:
    created = create_key(client, "partner")

    client.get("/v1/contacts", headers=bearer(created["key"]))

    record = client.get(f"/v1/api-keys/{created['id']}", headers=admin).json()
    assert record["last_used_at"] is not None
