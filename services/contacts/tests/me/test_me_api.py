"""A customer's own contact over HTTP (`/v1/me`): the customer view, the fields a customer may
change, and who may call it."""

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

PROBLEM = "https://rapport.dev/problems/"
UNKNOWN_ID = "01900000-0000-7000-8000-000000000000"
AsCustomer = Callable[[str], dict[str, str]]
Count = Callable[[str], int]

ADDRESS = {"line1": "1 Main St", "postal_code": "10115", "city": "Berlin", "country": "DE"}
STORED_ADDRESS = {**ADDRESS, "line2": None, "region": None}


def full_contact(api: Any) -> dict[str, Any]:
    return dict(
        api.create_contact(
            emails=[{"address": "ada@example.com", "label": "work"}],
            phones=[{"number": "+14155550123", "label": "mobile"}],
            owner_id="agent-7",
            lifecycle_stage="customer",
            tags=["vip"],
            attributes={"segment": "a"},
            address=ADDRESS,
            preferences={"language": "en"},
            rating=5,
            staff_comments="Haggles",
        )
    )


def updated_events(engine: Engine, contact_id: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT envelope FROM outbox WHERE key = :k AND event_type = :t ORDER BY seq"),
            {"k": contact_id, "t": "contacts.contact.updated.v1"},
        )
        return [json.loads(envelope)["data"] for (envelope,) in rows]


def test_the_customer_sees_their_data_without_internal_fields(
    client: httpx.Client, api: Any, as_customer: AsCustomer
) -> None:
    contact = full_contact(api)

    response = client.get("/v1/me", headers=as_customer(contact["id"]))

    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == '"1"'
    assert response.json() == {
        "id": contact["id"],
        "kind": "person",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "organization_name": None,
        "emails": [{"address": "ada@example.com", "label": "work"}],
        "phones": [{"number": "+14155550123", "label": "mobile"}],
        "address": STORED_ADDRESS,
        "preferences": {"language": "en"},
        "version": 1,
    }


def test_staff_see_address_and_preferences(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    contact = full_contact(api)
    assert (contact["address"], contact["preferences"]) == (STORED_ADDRESS, {"language": "en"})
    changed = client.patch(
        f"/v1/contacts/{contact['id']}",
        json={"address": {**ADDRESS, "country": "fr", "city": "Paris"}, "preferences": {}},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["address"], changed.json()["preferences"]) == (
        {**STORED_ADDRESS, "country": "FR", "city": "Paris"},
        {},
    )
    cleared = client.patch(f"/v1/contacts/{contact['id']}", json={"address": None}, headers=admin)
    assert (cleared.json()["address"], cleared.json()["version"]) == (None, 3)


def test_the_customer_corrects_their_data_by_the_staff_rules(
    client: httpx.Client,
    admin: dict[str, str],
    api: Any,
    as_customer: AsCustomer,
    engine: Engine,
) -> None:
    contact = full_contact(api)
    me = as_customer(contact["id"])

    response = client.patch(
        "/v1/me",
        json={
            "last_name": "King",
            "emails": [{"address": "Ada@Example.ORG"}, {"address": "ada@example.org"}],
            "phones": [{"number": "(415) 555-0199", "label": "home"}],
            "address": {"line1": " 2 Side St ", "city": "Paris", "country": "fr"},
            "preferences": {"language": "fr", "newsletter": "text"},
        },
        headers={**me, "If-Match": '"1"'},
    )

    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == '"2"'
    assert response.json() == {
        "id": contact["id"],
        "kind": "person",
        "first_name": "Ada",
        "last_name": "King",
        "organization_name": None,
        "emails": [{"address": "ada@example.org", "label": None}],
        "phones": [{"number": "+14155550199", "label": "home"}],
        "address": {
            "line1": "2 Side St",
            "line2": None,
            "postal_code": None,
            "city": "Paris",
            "region": None,
            "country": "FR",
        },
        "preferences": {"language": "fr", "newsletter": "text"},
        "version": 2,
    }
    staff_view = client.get(f"/v1/contacts/{contact['id']}", headers=admin).json()
    assert (staff_view["owner_id"], staff_view["tags"], staff_view["rating"]) == (
        "agent-7",
        ["vip"],
        5,
    )
    assert staff_view["last_name"] == "King"
    [event] = updated_events(engine, contact["id"])
    assert event["changed_fields"] == ["address", "emails", "last_name", "phones", "preferences"]
    assert (event["contact"]["last_name"], event["contact"]["version"]) == ("King", 2)
    assert "address" not in event["contact"]

    # The same values again change nothing: no new version, no event.
    again = client.patch("/v1/me", json={"last_name": "King"}, headers=me)
    assert again.json()["version"] == 2
    assert len(updated_events(engine, contact["id"])) == 1


def test_a_stale_if_match_is_412(
    client: httpx.Client, api: Any, as_customer: AsCustomer, engine: Engine
) -> None:
    contact = full_contact(api)
    me = as_customer(contact["id"])
    client.patch("/v1/me", json={"first_name": "Augusta"}, headers=me)

    stale = client.patch("/v1/me", json={"first_name": "Ada"}, headers={**me, "If-Match": '"1"'})

    assert stale.status_code == 412
    assert stale.json()["type"] == PROBLEM + "precondition-failed"
    assert client.get("/v1/me", headers=me).json()["first_name"] == "Augusta"
    assert len(updated_events(engine, contact["id"])) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("owner_id", "agent-1"),
        ("assignee_ids", ["agent-1"]),
        ("tags", ["vip"]),
        ("rating", 1),
        ("staff_comments", "nice"),
        ("lifecycle_stage", "inactive"),
        ("attributes", {"segment": "z"}),
        ("scores", {"churn": 0.1}),
        ("kind", "organization"),
        ("organization_id", UNKNOWN_ID),
        ("version", 7),
        ("anything", True),
    ],
)
def test_internal_fields_are_refused_by_name(
    client: httpx.Client,
    api: Any,
    as_customer: AsCustomer,
    engine: Engine,
    field: str,
    value: Any,
) -> None:
    contact = full_contact(api)
    me = as_customer(contact["id"])

    response = client.patch("/v1/me", json={"first_name": "Eve", field: value}, headers=me)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == PROBLEM + "validation-error"
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [
        (f"body.{field}", "extra_forbidden")
    ]
    assert client.get("/v1/me", headers=me).json()["first_name"] == "Ada"
    assert updated_events(engine, contact["id"]) == []


def test_bad_values_are_422_with_field_paths(
    client: httpx.Client, api: Any, as_customer: AsCustomer
) -> None:
    contact = full_contact(api)
    me = as_customer(contact["id"])
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"emails": None}, "body.emails", "list_type"),
        ({"preferences": None}, "body.preferences", "dict_type"),
        ({"preferences": [1]}, "body.preferences", "dict_type"),
        ({"emails": [{"address": "nope"}]}, "body.emails.0.address", "invalid_email"),
        ({"phones": [{"number": "555"}]}, "body.phones.0.number", "invalid_phone"),
        ({"address": {**ADDRESS, "country": "XX"}}, "body.address.country", "value_error"),
        ({"address": {**ADDRESS, "country": "DEU"}}, "body.address.country", "string_too_long"),
        ({"address": {**ADDRESS, "planet": "Mars"}}, "body.address.planet", "extra_forbidden"),
        ({"address": {"city": "Berlin", "country": "DE"}}, "body.address.line1", "missing"),
        ({"first_name": None, "last_name": None}, "body.first_name", "name_required"),
    ]
    for body, field, code in cases:
        response = client.patch("/v1/me", json=body, headers=me)
        assert response.status_code == 422, body
        assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    assert client.get("/v1/me", headers=me).json()["version"] == 1


ME_ROUTES = [
    ("GET", "/v1/me"),
    ("PATCH", "/v1/me"),
    ("GET", "/v1/me/consents"),
    ("GET", "/v1/me/consents/sms"),
    ("PUT", "/v1/me/consents/sms"),
    ("POST", "/v1/me/erasure"),
    ("GET", "/v1/me/erasure"),
]


@pytest.mark.parametrize("role", ["admin", "manager", "agent", "partner", "website", "public"])
def test_only_customer_tokens_reach_me(
    client: httpx.Client, as_role: Callable[..., dict[str, str]], role: str, count: Count
) -> None:
    for method, path in ME_ROUTES:
        body = {"granted": True} if method == "PUT" else {}
        response = client.request(method, path, json=body, headers=as_role(role))
        assert response.status_code == 403, (method, path)
        assert response.json()["type"] == PROBLEM + "forbidden"
    assert count("outbox") == 0


def test_without_identity_is_401(client: httpx.Client) -> None:
    for method, path in ME_ROUTES:
        assert client.request(method, path).status_code == 401, (method, path)


def test_a_token_of_an_unknown_contact_is_404(
    client: httpx.Client, as_customer: AsCustomer
) -> None:
    me = as_customer(UNKNOWN_ID)
    for response in (
        client.get("/v1/me", headers=me),
        client.patch("/v1/me", json={"first_name": "A"}, headers=me),
        client.get("/v1/me/consents", headers=me),
        client.put("/v1/me/consents/sms", json={"granted": True}, headers=me),
    ):
        assert response.status_code == 404
        assert response.json()["type"] == PROBLEM + "contact-not-found"


def test_a_token_naming_no_contact_id_is_403(client: httpx.Client, as_customer: AsCustomer) -> None:
    response = client.get("/v1/me", headers=as_customer("not-a-uuid"))
    assert response.status_code == 403
    assert response.json()["detail"] == "The customer token names no valid contact."


def test_a_merged_contact_is_410_naming_the_survivor(
    client: httpx.Client, admin: dict[str, str], api: Any, as_customer: AsCustomer
) -> None:
    survivor = api.create_contact()
    duplicate = api.create_contact(first_name="Augusta")
    merged = client.post(
        f"/v1/contacts/{survivor['id']}/merge",
        json={"duplicate_id": duplicate["id"]},
        headers=admin,
    )
    assert merged.status_code == 200, merged.text
    me = as_customer(duplicate["id"])
    for response in (
        client.get("/v1/me", headers=me),
        client.patch("/v1/me", json={"first_name": "A"}, headers=me),
        client.get("/v1/me/consents", headers=me),
    ):
        assert response.status_code == 410
        assert response.json()["type"] == PROBLEM + "contact-merged"
        assert response.json()["survivor_id"] == survivor["id"]


def test_the_customer_reads_and_sets_their_consents(
    client: httpx.Client, admin: dict[str, str], api: Any, as_customer: AsCustomer, engine: Engine
) -> None:
    contact = api.create_contact()
    api.set_consent(contact["id"], "email_marketing", True, "web-form")
    me = as_customer(contact["id"])

    never = client.get("/v1/me/consents/sms", headers=me)
    assert never.status_code == 200
    assert never.headers["ETag"] == '"0"'
    assert never.json() == {
        "purpose": "sms",
        "granted": None,
        "source": None,
        "changed_at": None,
        "version": 0,
    }
    granted = client.put(
        "/v1/me/consents/sms", json={"granted": True}, headers={**me, "If-Match": '"0"'}
    )
    assert granted.status_code == 200, granted.text
    assert granted.headers["ETag"] == '"1"'
    body = granted.json()
    assert (body["purpose"], body["granted"], body["source"], body["version"]) == (
        "sms",
        True,
        "customer",
        1,
    )
    withdrawn = client.put("/v1/me/consents/email_marketing", json={"granted": False}, headers=me)
    assert (withdrawn.json()["granted"], withdrawn.json()["source"]) == (False, "customer")
    assert client.get("/v1/me/consents/sms", headers=me).json() == body

    overview = client.get("/v1/me/consents", headers=me)
    assert overview.status_code == 200
    data = overview.json()
    assert data["contact_id"] == contact["id"]
    assert {p["purpose"]: (p["granted"], p["source"]) for p in data["purposes"]} == {
        "email_marketing": (False, "customer"),
        "sms": (True, "customer"),
        "phone": (None, None),
        "profiling": (None, None),
    }
    assert [(h["purpose"], h["granted"], h["source"]) for h in data["history"]] == [
        ("email_marketing", True, "web-form"),
        ("sms", True, "customer"),
        ("email_marketing", False, "customer"),
    ]
    # Staff see the customer's choice, and it is published like any consent change.
    staff = client.get(f"/v1/contacts/{contact['id']}/consents", headers=admin).json()
    assert staff["purposes"] == data["purposes"]
    with engine.connect() as conn:
        sources = conn.execute(
            text("SELECT envelope FROM outbox WHERE event_type = :t ORDER BY seq"),
            {"t": "contacts.consent.changed.v1"},
        )
        published = [json.loads(e)["data"] for (e,) in sources]
    assert [(p["purpose"], p["granted"], p["source"]) for p in published] == [
        ("email_marketing", True, "web-form"),
        ("sms", True, "customer"),
        ("email_marketing", False, "customer"),
    ]


def test_bad_consent_input_of_a_customer_is_refused(
    client: httpx.Client, api: Any, as_customer: AsCustomer, count: Count
) -> None:
    contact = api.create_contact()
    me = as_customer(contact["id"])
    cases = [
        ("carrier_pigeon", {"granted": True}, "path.purpose", "enum"),
        ("sms", {"granted": "yes"}, "body.granted", "bool_type"),
        ("sms", {}, "body.granted", "missing"),
        ("sms", {"granted": True, "source": "staff"}, "body.source", "extra_forbidden"),
    ]
    for purpose, body, field, code in cases:
        response = client.put(f"/v1/me/consents/{purpose}", json=body, headers=me)
        assert response.status_code == 422, body
        assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    client.put("/v1/me/consents/sms", json={"granted": True}, headers=me)
    stale = client.put(
        "/v1/me/consents/sms", json={"granted": False}, headers={**me, "If-Match": '"0"'}
    )
    assert stale.status_code == 412
    assert count("consent_changes") == 1
