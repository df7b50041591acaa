"""Orders over HTTP: placing, drafts, amendments, cancellation, capacity, history and lists, on a
real server and database."""

import copy
from collections.abc import Callable
from typing import Any

import httpx
import pytest

PROBLEM = "https://rapport.dev/problems/"
CONTACT_ID = "0190f0c4-1a2b-7c3d-8e4f-001122334455"
OTHER_CONTACT = "0190f0c4-1a2b-7c3d-8e4f-0011223344ff"
ADDRESS = {"line1": "1 Main Street", "postal_code": "10115", "city": "Berlin", "country": "DE"}
Count = Callable[[str], int]


def order_body(product_id: str, quantity: int = 1, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "contact_id": CONTACT_ID,
        "currency": "EUR",
        "lines": [
            {
                "product_id": product_id,
                "options": {"fixture": "F1", "lamp": "L1"},
                "quantity": quantity,
            }
        ],
        "delivery_address": ADDRESS,
    }
    body.update(overrides)
    return body


def reserved(client: httpx.Client, headers: dict[str, str], product_id: str) -> int:
    return int(client.get(f"/v1/products/{product_id}", headers=headers).json()["reserved"])


def nothing_written(count: Count) -> None:
    assert (count("orders"), count("order_lines"), count("order_status_history")) == (0, 0, 0)


def test_placing_an_order_prices_reserves_and_numbers_it(
    client: httpx.Client, admin: dict[str, str], api: Any, count: Count
) -> None:
    lamp = api.create_product(capacity=10)
    tour = api.create_product(sku="TOUR-1", options=[], rules=[], base_price="300.00")
    body = order_body(lamp["id"], 2)
    body["lines"].append(
        {"product_id": lamp["id"], "options": {"fixture": "F2", "lamp": "L2"}, "quantity": 1}
    )
    body["lines"].append({"product_id": tour["id"], "quantity": 3})
    response = client.post("/v1/orders", json=body, headers=admin)
    assert response.status_code == 201, response.text
    order = response.json()
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"/v1/orders/{order['id']}"
    assert (order["number"], order["status"], order["currency"], order["version"]) == (
        "R-000001",
        "placed",
        "EUR",
        1,
    )
    assert [(ln["line_no"], ln["sku"], ln["quantity"], ln["unit_price"], ln["line_total"])
            for ln in order["lines"]] == [
        (1, "LUM-100", 2, "100.00", "200.00"),
        (2, "LUM-100", 1, "125.50", "125.50"),
        (3, "TOUR-1", 3, "300.00", "900.00"),
    ]  # fmt: skip
    assert order["lines"][1]["options"] == {"fixture": "F2", "lamp": "L2"}
    assert order["lines"][0]["category"] == "lighting"
    assert order["lines"][0]["discount_percent"] == "0.00"
    assert (order["subtotal"], order["total"]) == ("1225.50", "1225.50")
    assert order["delivery_address"] == {
        "name": None, "line1": "1 Main Street", "line2": None, "postal_code": "10115",
        "city": "Berlin", "region": None, "country": "DE",
    }  # fmt: skip
    assert order["placed_at"] == order["created_at"]
    assert [(h["from_status"], h["status"], h["source"]) for h in order["history"]] == [
        (None, "placed", "staff")
    ]
    assert reserved(client, admin, lamp["id"]) == 3
    assert reserved(client, admin, tour["id"]) == 3
    assert count("outbox") == 3  # two products created, one order placed
    fetched = client.get(f"/v1/orders/{order['id']}", headers=admin)
    assert fetched.json() == order
    assert api.create_order(lamp["id"])["number"] == "R-000002"


def test_a_draft_reserves_nothing_until_placed(
    client: httpx.Client, admin: dict[str, str], api: Any, count: Count
) -> None:
    product = api.create_product(capacity=5)
    draft = client.post(
        "/v1/orders", json=order_body(product["id"], 2, draft=True), headers=admin
    ).json()
    assert (draft["status"], draft["placed_at"]) == ("draft", None)
    assert reserved(client, admin, product["id"]) == 0
    assert count("outbox") == 1

    client.patch(f"/v1/products/{product['id']}", json={"base_price": "150.00"}, headers=admin)
    placed = client.post(f"/v1/orders/{draft['id']}/place", headers={**admin, "If-Match": '"1"'})
    assert placed.status_code == 200, placed.text
    order = placed.json()
    assert (order["status"], order["version"], order["total"]) == ("placed", 2, "300.00")
    assert order["placed_at"] is not None
    assert [(h["from_status"], h["status"]) for h in order["history"]] == [
        (None, "draft"),
        ("draft", "placed"),
    ]
    assert reserved(client, admin, product["id"]) == 2

    again = client.post(f"/v1/orders/{draft['id']}/place", headers=admin)
    assert again.status_code == 409
    problem = again.json()
    assert problem["type"] == PROBLEM + "illegal-transition"
    assert (problem["current_status"], problem["version"]) == ("placed", 2)


def test_placing_a_draft_revalidates_its_lines(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    product = api.create_product()
    draft = client.post(
        "/v1/orders", json=order_body(product["id"], draft=True), headers=admin
    ).json()
    client.patch(f"/v1/products/{product['id']}", json={"active": False}, headers=admin)
    response = client.post(f"/v1/orders/{draft['id']}/place", headers=admin)
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("order.lines.0.product_id", "inactive_product")
    ]
    assert client.get(f"/v1/orders/{draft['id']}", headers=admin).json()["status"] == "draft"


def test_sold_out_is_409_naming_the_product_and_writes_nothing(
    client: httpx.Client, admin: dict[str, str], api: Any, count: Count
) -> None:
    product = api.create_product(capacity=5)
    free = api.create_product(sku="FREE-1")
    api.create_order(product["id"], 3)
    body = order_body(free["id"], 1)
    body["lines"].append({"product_id": product["id"], "options": {"fixture": "F1", "lamp": "L1"},
                          "quantity": 3})  # fmt: skip
    response = client.post("/v1/orders", json=body, headers=admin)
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == PROBLEM + "sold-out"
    assert (problem["sku"], problem["product_id"], problem["requested"], problem["available"]) == (
        "LUM-100",
        product["id"],
        3,
        2,
    )
    assert "LUM-100" in problem["detail"]
    assert (count("orders"), count("outbox")) == (1, 3)
    assert reserved(client, admin, product["id"]) == 3
    assert reserved(client, admin, free["id"]) == 0
    assert api.create_order(product["id"], 2)["number"] == "R-000002"
    assert client.get(f"/v1/products/{product['id']}", headers=admin).json()["available"] == 0


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"currency": "USD"}, "body.lines.0.product_id", "currency_mismatch"),
        ({"lines": [{"product_id": CONTACT_ID, "quantity": 1}]}, "body.lines.0.product_id",
         "unknown_product"),
        ({"lines": [{"product_id": "PRODUCT", "options": {"fixture": "F2", "lamp": "L3"},
                     "quantity": 1}]}, "body.lines.0.options", "excludes"),
        ({"lines": [{"product_id": "PRODUCT", "options": {"lamp": "L1"}, "quantity": 1}]},
         "body.lines.0.options", "missing_required"),
        ({"lines": [{"product_id": "PRODUCT", "quantity": 0}]}, "body.lines.0.quantity",
         "greater_than_equal"),
        ({"lines": [{"product_id": "PRODUCT", "quantity": -1}]}, "body.lines.0.quantity",
         "greater_than_equal"),
        ({"lines": []}, "body.lines", "too_short"),
        ({"contact_id": "42"}, "body.contact_id", "uuid_parsing"),
        ({"currency": "euro"}, "body.currency", "string_pattern_mismatch"),
        ({"delivery_address": {**ADDRESS, "country": "Germany"}}, "body.delivery_address.country",
         "string_pattern_mismatch"),
        ({"delivery_address": {"line1": "x"}}, "body.delivery_address.city", "missing"),
        ({"delivery_address": {**ADDRESS, "postal_code": "10\x00115"}},
         "body.delivery_address.postal_code", "value_error"),
        ({"draft": "maybe"}, "body.draft", "bool_parsing"),
    ],
)  # fmt: skip
def test_bad_orders_are_422_and_write_nothing(
    client: httpx.Client,
    admin: dict[str, str],
    api: Any,
    count: Count,
    change: dict[str, Any],
    field: str,
    code: str,
) -> None:
    product = api.create_product()
    body = order_body(product["id"], **copy.deepcopy(change))
    for line in body["lines"]:
        if line["product_id"] == "PRODUCT":
            line["product_id"] = product["id"]
    response = client.post("/v1/orders", json=body, headers=admin)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert (field, code) in [(e["field"], e["code"]) for e in response.json()["errors"]]
    nothing_written(count)


def test_every_bad_line_is_listed(client: httpx.Client, admin: dict[str, str], api: Any) -> None:
    product = api.create_product()
    body = order_body(product["id"])
    body["lines"] = [
        {"product_id": product["id"], "options": {"fixture": "F2", "lamp": "L3"}, "quantity": 1},
        {"product_id": CONTACT_ID, "quantity": 1},
    ]
    response = client.post("/v1/orders", json=body, headers=admin)
    problem = response.json()
    assert problem["type"] == PROBLEM + "invalid-lines"
    assert [(e["field"], e["code"], e["message"]) for e in problem["errors"]] == [
        ("body.lines.0.options", "excludes", "rules.0: fixture=F2 excludes lamp=L3"),
        ("body.lines.0.options", "requires", "rules.1: lamp=L3 requires ballast=B2"),
        ("body.lines.1.product_id", "unknown_product", f"no product {CONTACT_ID}"),
    ]


def test_malformed_json_is_400(client: httpx.Client, admin: dict[str, str], count: Count) -> None:
    response = client.post(
        "/v1/orders", content=b'{"lines": [', headers={**admin, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["type"] == PROBLEM + "malformed-json"
    nothing_written(count)


def test_unknown_and_malformed_order_ids(client: httpx.Client, admin: dict[str, str]) -> None:
    missing = client.get(f"/v1/orders/{CONTACT_ID}", headers=admin)
    assert missing.status_code == 404
    assert missing.json()["type"] == PROBLEM + "order-not-found"
    assert client.get("/v1/orders/123/history", headers=admin).status_code == 422
    assert client.post(f"/v1/orders/{CONTACT_ID}/place", headers=admin).status_code == 404
    assert client.post(f"/v1/orders/{CONTACT_ID}/cancel", json={}, headers=admin).status_code == 404


def test_idempotency_key_replays_and_refuses_another_body(
    client: httpx.Client, admin: dict[str, str], api: Any, count: Count
) -> None:
    product = api.create_product(capacity=10)
    headers = {**admin, "Idempotency-Key": "order-1"}
    first = client.post("/v1/orders", json=order_body(product["id"], 2), headers=headers)
    again = client.post("/v1/orders", json=order_body(product["id"], 2), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    other = client.post("/v1/orders", json=order_body(product["id"], 3), headers=headers)
    assert other.status_code == 422
    assert other.json()["type"] == PROBLEM + "idempotency-key-reused"
    assert (count("orders"), count("outbox")) == (1, 2)
    assert reserved(client, admin, product["id"]) == 2


def test_cancelling_releases_capacity_and_is_final(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    product = api.create_product(capacity=5)
    order = api.create_order(product["id"], 5)
    response = client.post(
        f"/v1/orders/{order['id']}/cancel", json={"reason": "Changed my mind"}, headers=admin
    )
    assert response.status_code == 200, response.text
    cancelled = response.json()
    assert (cancelled["status"], cancelled["cancel_reason"], cancelled["version"]) == (
        "cancelled",
        "Changed my mind",
        2,
    )
    assert cancelled["history"][-1]["reason"] == "Changed my mind"
    assert reserved(client, admin, product["id"]) == 0
    again = client.post(f"/v1/orders/{order['id']}/cancel", json={}, headers=admin)
    assert again.status_code == 409
    assert again.json()["current_status"] == "cancelled"
    place = client.post(f"/v1/orders/{order['id']}/place", headers=admin)
    assert place.status_code == 409
    assert api.create_order(product["id"], 5)["status"] == "placed"


def test_cancelling_a_draft_releases_nothing(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    product = api.create_product(capacity=5)
    api.create_order(product["id"], 2)
    draft = client.post(
        "/v1/orders", json=order_body(product["id"], 3, draft=True), headers=admin
    ).json()
    cancelled = client.post(f"/v1/orders/{draft['id']}/cancel", headers=admin)
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert reserved(client, admin, product["id"]) == 2


def test_amending_a_placed_order_reserves_the_difference(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    product = api.create_product(capacity=6)
    order = api.create_order(product["id"], 2)
    url = f"/v1/orders/{order['id']}"
    lines = [{"product_id": product["id"], "options": {"fixture": "F1", "lamp": "L2"},
              "quantity": 5}]  # fmt: skip
    more = client.patch(url, json={"lines": lines}, headers={**admin, "If-Match": '"1"'})
    assert more.status_code == 200, more.text
    assert (more.json()["version"], more.json()["total"]) == (2, "527.50")
    assert more.headers["ETag"] == '"2"'
    assert reserved(client, admin, product["id"]) == 5

    too_many = client.patch(url, json={"lines": [{**lines[0], "quantity": 7}]}, headers=admin)
    assert too_many.status_code == 409
    assert too_many.json()["type"] == PROBLEM + "sold-out"
    assert reserved(client, admin, product["id"]) == 5

    fewer = client.patch(url, json={"lines": [{**lines[0], "quantity": 1}]}, headers=admin)
    assert fewer.json()["lines"][0]["quantity"] == 1
    assert reserved(client, admin, product["id"]) == 1

    stale = client.patch(
        url, json={"delivery_address": ADDRESS}, headers={**admin, "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    moved = client.patch(
        url, json={"delivery_address": {**ADDRESS, "city": "Potsdam"}}, headers=admin
    )
    assert (moved.json()["delivery_address"]["city"], moved.json()["version"]) == ("Potsdam", 4)
    same = client.patch(
        url, json={"delivery_address": {**ADDRESS, "city": "Potsdam"}}, headers=admin
    )
    assert same.json()["version"] == 4


def test_amending_a_draft_reserves_nothing(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    product = api.create_product(capacity=3)
    draft = client.post(
        "/v1/orders", json=order_body(product["id"], 1, draft=True), headers=admin
    ).json()
    lines = [{"product_id": product["id"], "options": {"fixture": "F1", "lamp": "L1"},
              "quantity": 3}]  # fmt: skip
    amended = client.patch(f"/v1/orders/{draft['id']}", json={"lines": lines}, headers=admin)
    assert (amended.json()["status"], amended.json()["lines"][0]["quantity"]) == ("draft", 3)
    assert reserved(client, admin, product["id"]) == 0
    bad = client.patch(
        f"/v1/orders/{draft['id']}", json={"lines": [{**lines[0], "quantity": 0}]}, headers=admin
    )
    assert bad.status_code == 422


def test_amending_after_confirmation_is_409(
    client: httpx.Client, admin: dict[str, str], api: Any, as_role: Callable[..., dict[str, str]]
) -> None:
    product = api.create_product()
    order = api.create_order(product["id"])
    confirmed = client.post(
        f"/v1/integrations/erp/orders/{order['id']}/status",
        json={"status": "confirmed", "erp_event_id": "e-1", "occurred_at": "2026-01-01T10:00:00Z"},
        headers=as_role("erp"),
    )
    assert confirmed.status_code == 200, confirmed.text
    response = client.patch(
        f"/v1/orders/{order['id']}", json={"delivery_address": ADDRESS}, headers=admin
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == PROBLEM + "order-not-amendable"
    assert (problem["current_status"], problem["version"]) == ("confirmed", 2)


def test_history_lists_every_status_change(
    client: httpx.Client, admin: dict[str, str], api: Any, as_role: Callable[..., dict[str, str]]
) -> None:
    product = api.create_product()
    order = api.create_order(product["id"])
    client.post(
        f"/v1/integrations/erp/orders/{order['id']}/status",
        json={
            "status": "shipped",
            "erp_event_id": "e-9",
            "occurred_at": "2026-01-02T10:00:00+02:00",
            "tracking": {"carrier": "DHL", "number": "JD0001", "url": "https://dhl.example/JD0001"},
        },
        headers=as_role("erp"),
    )
    response = client.get(f"/v1/orders/{order['id']}/history", headers=admin)
    assert response.status_code == 200
    history = response.json()
    assert (history["order_id"], history["number"], history["status"]) == (
        order["id"],
        "R-000001",
        "shipped",
    )
    assert [(h["from_status"], h["status"], h["source"]) for h in history["items"]] == [
        (None, "placed", "staff"),
        ("placed", "shipped", "erp"),
    ]
    assert history["items"][1]["occurred_at"] == "2026-01-02T08:00:00Z"
    assert history["items"][1]["tracking"] == {
        "carrier": "DHL",
        "number": "JD0001",
        "url": "https://dhl.example/JD0001",
    }


def test_list_filters_by_contact_status_and_time(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    product = api.create_product()
    first = api.create_order(product["id"])
    second = api.create_order(product["id"], contact_id=OTHER_CONTACT)
    third = client.post(
        "/v1/orders", json=order_body(product["id"], draft=True), headers=admin
    ).json()

    def numbers(**params: Any) -> list[str]:
        response = client.get("/v1/orders", params=params, headers=admin)
        assert response.status_code == 200, response.text
        return [o["number"] for o in response.json()["items"]]

    assert numbers() == ["R-000001", "R-000002", "R-000003"]
    assert numbers(contact_id=CONTACT_ID) == ["R-000001", "R-000003"]
    assert numbers(status="draft") == ["R-000003"]
    assert numbers(**{"from": second["created_at"]}) == ["R-000002", "R-000003"]
    assert numbers(to=second["created_at"]) == ["R-000001"]
    assert numbers(**{"from": "2999-01-01T00:00:00Z"}) == []
    page = client.get("/v1/orders", params={"limit": 2}, headers=admin).json()
    assert [o["id"] for o in page["items"]] == [first["id"], second["id"]]
    rest = client.get(
        "/v1/orders", params={"limit": 2, "cursor": page["next_cursor"]}, headers=admin
    ).json()
    assert ([o["id"] for o in rest["items"]], rest["next_cursor"]) == ([third["id"]], None)


@pytest.mark.parametrize(
    "params",
    [{"status": "lost"}, {"contact_id": "x"}, {"from": "yesterday"}, {"to": "2026-01-01T00:00:00"},
     {"limit": 0}, {"cursor": "!!"}],
)  # fmt: skip
def test_bad_list_queries_are_422(
    client: httpx.Client, admin: dict[str, str], params: dict[str, Any]
) -> None:
    response = client.get("/v1/orders", params=params, headers=admin)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_roles(client: httpx.Client, api: Any, as_role: Callable[..., dict[str, str]]) -> None:
    product = api.create_product()
    website = client.post(
        "/v1/orders", json=order_body(product["id"], draft=True), headers=as_role("website")
    )
    assert website.status_code == 201
    order_id = website.json()["id"]
    assert website.json()["history"][0]["source"] == "website"
    assert (
        client.post(f"/v1/orders/{order_id}/place", headers=as_role("website")).status_code == 200
    )
    assert client.get(f"/v1/orders/{order_id}", headers=as_role("website")).status_code == 403
    assert client.get(f"/v1/orders/{order_id}", headers=as_role("erp")).status_code == 200
    assert client.get("/v1/orders", headers=as_role("partner")).status_code == 200
    erp_create = client.post("/v1/orders", json=order_body(product["id"]), headers=as_role("erp"))
    assert erp_create.status_code == 403
    cancel = client.post(f"/v1/orders/{order_id}/cancel", json={}, headers=as_role("website"))
    assert cancel.status_code == 403
    partner = client.post(f"/v1/orders/{order_id}/cancel", json={}, headers=as_role("partner"))
    assert partner.status_code == 200
    assert partner.json()["history"][-1]["source"] == "partner"
    assert client.get("/v1/orders", headers=as_role("telephony")).status_code == 403
    assert client.get("/v1/orders").status_code == 401
