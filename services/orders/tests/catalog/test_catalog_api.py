"""The catalog over HTTP: create, read, update, list and filter products, on a real server and
database."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest

PROBLEM = "https://rapport.dev/problems/"
Count = Callable[[str], int]
Body = Callable[..., dict[str, Any]]


def fields_of(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [(e["field"], e.get("code")) for e in response.json()["errors"]]


def test_create_product_answers_the_whole_product(
    client: httpx.Client, admin: dict[str, str], product_body: Body
) -> None:
    response = client.post("/v1/products", json=product_body(capacity=40), headers=admin)
    assert response.status_code == 201, response.text
    product = response.json()
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"/v1/products/{product['id']}"
    assert (product["sku"], product["base_price"], product["currency"]) == (
        "LUM-100",
        "100.00",
        "EUR",
    )
    assert (product["capacity"], product["reserved"], product["available"]) == (40, 0, 40)
    assert product["options"][1] == {
        "group": "lamp",
        "required": True,
        "values": [
            {"code": "L1", "price_delta": "0.00"},
            {"code": "L2", "price_delta": "5.50"},
            {"code": "L3", "price_delta": "12.25"},
        ],
    }
    assert product["rules"] == [
        {"if": {"fixture": "F2"}, "excludes": {"lamp": "L3"}},
        {"if": {"lamp": "L3"}, "requires": {"ballast": "B2"}},
    ]
    assert (product["active"], product["variant_group"], product["version"]) == (True, None, 1)
    fetched = client.get(f"/v1/products/{product['id']}", headers=admin)
    assert fetched.status_code == 200
    assert fetched.headers["ETag"] == '"1"'
    assert fetched.json() == product


def test_duplicate_sku_is_409_and_writes_nothing(
    client: httpx.Client, admin: dict[str, str], api: Any, product_body: Body, count: Count
) -> None:
    api.create_product()
    response = client.post("/v1/products", json=product_body(name="Another"), headers=admin)
    assert response.status_code == 409
    assert response.json()["type"] == PROBLEM + "duplicate-sku"
    assert response.json()["sku"] == "LUM-100"
    assert (count("products"), count("outbox")) == (1, 1)


def test_rules_naming_unknown_groups_or_values_are_422(
    client: httpx.Client, admin: dict[str, str], product_body: Body, count: Count
) -> None:
    body = product_body(
        rules=[
            {"if": {"fixture": "F7"}, "excludes": {"lamp": "L3"}},
            {"if": {"lamp": "L3"}, "requires": {"colour": "red"}},
        ]
    )
    response = client.post("/v1/products", json=body, headers=admin)
    assert fields_of(response) == [
        ("body.rules.0.if.fixture", "unknown_value"),
        ("body.rules.1.requires.colour", "unknown_group"),
    ]
    assert response.json()["type"] == PROBLEM + "validation-error"
    assert count("products") == 0


def test_duplicate_groups_and_values_are_422(
    client: httpx.Client, admin: dict[str, str], product_body: Body
) -> None:
    options = [
        {"group": "lamp", "values": [{"code": "L1"}, {"code": "L1"}]},
        {"group": "lamp", "values": [{"code": "L2"}]},
    ]
    response = client.post(
        "/v1/products", json=product_body(options=options, rules=[]), headers=admin
    )
    assert fields_of(response) == [
        ("body.options.0.values.1.code", "duplicate_value"),
        ("body.options.1.group", "duplicate_group"),
    ]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"base_price": "-1.00"}, "body.base_price"),
        ({"base_price": "1.234"}, "body.base_price"),
        ({"base_price": "NaN"}, "body.base_price"),
        ({"currency": "eur"}, "body.currency"),
        ({"capacity": -1}, "body.capacity"),
        ({"sku": ""}, "body.sku"),
        ({"name": "a\u0000b"}, "body.name"),
        ({"rules": [{"if": {"lamp": "L1"}}]}, "body.rules.0"),
        ({"rules": [{"if": {}, "excludes": {"lamp": "L1"}}]}, "body.rules.0.if"),
        ({"options": [{"group": "lamp", "values": []}]}, "body.options.0.values"),
        ({"colour": "red"}, "body.colour"),
    ],
)
def test_bad_product_input_is_422(
    client: httpx.Client,
    admin: dict[str, str],
    product_body: Body,
    overrides: dict[str, Any],
    field: str,
) -> None:
    response = client.post("/v1/products", json=product_body(**overrides), headers=admin)
    assert field in [f for f, _ in fields_of(response)]


def test_malformed_json_is_400(client: httpx.Client, admin: dict[str, str]) -> None:
    response = client.post(
        "/v1/products",
        content=b'{"sku": ',
        headers={**admin, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["type"] == PROBLEM + "malformed-json"


def test_unknown_or_malformed_product_ids(client: httpx.Client, admin: dict[str, str]) -> None:
    missing = client.get("/v1/products/0190f0c4-1a2b-7c3d-8e4f-001122334455", headers=admin)
    assert missing.status_code == 404
    assert missing.json()["type"] == PROBLEM + "product-not-found"
    assert client.get("/v1/products/not-a-uuid", headers=admin).status_code == 422


def test_update_bumps_the_version_and_honours_if_match(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    product = api.create_product()
    url = f"/v1/products/{product['id']}"
    changed = client.patch(
        url,
        json={"base_price": "110.00", "active": False, "description": "New"},
        headers={**admin, "If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"2"'
    body = changed.json()
    assert (body["base_price"], body["active"], body["description"], body["version"]) == (
        "110.00",
        False,
        "New",
        2,
    )
    stale = client.patch(url, json={"name": "X"}, headers={**admin, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["type"] == PROBLEM + "precondition-failed"
    assert client.get(url, headers=admin).json()["name"] == "Lumen street light"
    unchanged = client.patch(url, json={"base_price": "110.00"}, headers=admin)
    assert unchanged.json()["version"] == 2


def test_update_checks_rules_against_the_resulting_options(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    product = api.create_product()
    url = f"/v1/products/{product['id']}"
    response = client.patch(
        url, json={"options": [{"group": "fixture", "values": [{"code": "F1"}]}]}, headers=admin
    )
    assert ("body.rules.0.if.fixture", "unknown_value") in fields_of(response)
    rules = client.patch(
        url, json={"rules": [{"if": {"lamp": "L9"}, "excludes": {"fixture": "F1"}}]}, headers=admin
    )
    assert fields_of(rules) == [("body.rules.0.if.lamp", "unknown_value")]
    assert client.get(url, headers=admin).json()["version"] == 1


def test_update_to_a_taken_sku_is_409(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    api.create_product()
    other = api.create_product(sku="LUM-200")
    response = client.patch(f"/v1/products/{other['id']}", json={"sku": "LUM-100"}, headers=admin)
    assert response.status_code == 409
    assert response.json()["type"] == PROBLEM + "duplicate-sku"


def test_capacity_cannot_drop_below_reserved_places(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    product = api.create_product(capacity=10)
    api.create_order(product["id"], quantity=4)
    url = f"/v1/products/{product['id']}"
    response = client.patch(url, json={"capacity": 3}, headers=admin)
    assert response.status_code == 409
    assert response.json()["type"] == PROBLEM + "capacity-below-reserved"
    assert response.json()["reserved"] == 4
    lowered = client.patch(url, json={"capacity": 4}, headers=admin)
    assert (lowered.json()["capacity"], lowered.json()["available"]) == (4, 0)
    unlimited = client.patch(url, json={"capacity": None}, headers=admin)
    assert (unlimited.json()["capacity"], unlimited.json()["available"]) == (None, None)
    assert unlimited.json()["reserved"] == 4


def test_list_filters_and_pages(client: httpx.Client, admin: dict[str, str], api: Any) -> None:
    first = api.create_product(
        sku="TOUR-A",
        name="Rome in the Grand Hotel",
        category="tours",
        variant_group="rome-may",
        base_price="900.00",
    )
    second = api.create_product(
        sku="TOUR-B",
        name="Rome in the Pensione",
        category="tours",
        variant_group="rome-may",
        base_price="650.00",
    )
    api.create_product(sku="LAMP-1", active=False)

    variants = client.get("/v1/products", params={"variant_group": "rome-may"}, headers=admin)
    assert [(p["sku"], p["base_price"]) for p in variants.json()["items"]] == [
        ("TOUR-A", "900.00"),
        ("TOUR-B", "650.00"),
    ]

    def skus(**params: Any) -> list[str]:
        response = client.get("/v1/products", params=params, headers=admin)
        assert response.status_code == 200, response.text
        return [p["sku"] for p in response.json()["items"]]

    assert skus(category="tours") == ["TOUR-A", "TOUR-B"]
    assert skus(active="false") == ["LAMP-1"]
    assert skus(q="pensione") == ["TOUR-B"]
    assert skus(q="lamp-") == ["LAMP-1"]
    assert skus(q="%") == []

    page = client.get("/v1/products", params={"limit": 2}, headers=admin).json()
    assert [p["id"] for p in page["items"]] == [first["id"], second["id"]]
    rest = client.get(
        "/v1/products", params={"limit": 2, "cursor": page["next_cursor"]}, headers=admin
    ).json()
    assert ([p["sku"] for p in rest["items"]], rest["next_cursor"]) == (["LAMP-1"], None)
    bad = client.get("/v1/products", params={"cursor": "nonsense"}, headers=admin)
    assert bad.status_code == 422


def test_idempotency_key_replays_and_refuses_another_body(
    client: httpx.Client, admin: dict[str, str], product_body: Body, count: Count
) -> None:
    headers = {**admin, "Idempotency-Key": "product-1"}
    first = client.post("/v1/products", json=product_body(), headers=headers)
    again = client.post("/v1/products", json=product_body(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = client.post("/v1/products", json=product_body(sku="OTHER"), headers=headers)
    assert other.status_code == 422
    assert other.json()["type"] == PROBLEM + "idempotency-key-reused"
    assert (count("products"), count("outbox")) == (1, 1)


@pytest.mark.parametrize("role", ["partner", "website", "erp", "agent"])
def test_only_admins_and_managers_write_the_catalog(
    client: httpx.Client, as_role: Callable[..., dict[str, str]], product_body: Body, role: str
) -> None:
    refused = client.post("/v1/products", json=product_body(), headers=as_role(role))
    assert refused.status_code == 403
    created = client.post("/v1/products", json=product_body(), headers=as_role("manager"))
    assert created.status_code == 201
    read = client.get(f"/v1/products/{created.json()['id']}", headers=as_role(role))
    assert read.status_code == 200


def test_telephony_and_anonymous_callers_are_refused(
    client: httpx.Client, as_role: Callable[..., dict[str, str]]
) -> None:
    assert client.get("/v1/products", headers=as_role("telephony")).status_code == 403
    assert client.get("/v1/products").status_code == 401


def test_amounts_are_kept_to_the_cent(
    client: httpx.Client, admin: dict[str, str], product_body: Body
) -> None:
    options = [{"group": "size", "values": [{"code": "S", "price_delta": 2.5}]}]
    created = client.post(
        "/v1/products",
        json=product_body(base_price="100", options=options, rules=[]),
        headers=admin,
    ).json()
    assert (created["base_price"], created["options"][0]["values"][0]["price_delta"]) == (
        "100.00",
        "2.50",
    )
    fetched = client.get(f"/v1/products/{created['id']}", headers=admin).json()
    assert fetched == created


@pytest.mark.parametrize("field", ["sku", "name", "base_price", "active", "options", "rules"])
def test_required_fields_cannot_be_set_to_null(
    client: httpx.Client, admin: dict[str, str], api: Any, field: str
) -> None:
    product = api.create_product()
    response = client.patch(f"/v1/products/{product['id']}", json={field: None}, headers=admin)
    assert fields_of(response) == [(f"body.{field}", "value_error")]
