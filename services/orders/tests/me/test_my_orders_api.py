"""A customer's own orders at `/v1/me/orders`: only their own are seen (another's is a 404), they
place, amend, place and cancel their own under the order rules, and see no staff-internal field."""

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from crm_common.testing import customer_headers
from crm_orders.config import OrdersSettings

ADDRESS = {"line1": "1 Main Street", "postal_code": "10115", "city": "Berlin", "country": "DE"}
LINE = {"product_id": "", "options": {"fixture": "F1", "lamp": "L1"}, "quantity": 1}
MY_ORDER_FIELDS = {
    "id", "number", "status", "currency", "lines", "subtotal", "total", "delivery_address",
    "tracking", "version", "placed_at", "created_at", "updated_at", "history",
}  # fmt: skip


@pytest.fixture
def customer(service_settings: OrdersSettings) -> Callable[[str], dict[str, str]]:
    """The gateway's identity header of a contact's customer token."""

    def headers(contact_id: str) -> dict[str, str]:
        return customer_headers(service_settings.internal_secret, contact_id)

    return headers


def body(product_id: str, quantity: int = 1, **overrides: Any) -> dict[str, Any]:
    line = {**LINE, "product_id": product_id, "quantity": quantity}
    return {"currency": "EUR", "lines": [line], "delivery_address": ADDRESS, **overrides}


def outbox(engine: Engine, key: str) -> list[tuple[str, dict[str, Any]]]:
    """The outbox rows about `key`: (event type, data), in order."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT event_type, envelope FROM outbox WHERE key = :k ORDER BY seq"), {"k": key}
        ).all()
    return [(row[0], json.loads(row[1])["data"]) for row in rows]


def test_a_customer_sees_only_their_own_orders_newest_first(
    client: httpx.Client, api: Any, customer: Callable[[str], dict[str, str]]
) -> None:
    mine, theirs = str(uuid.uuid4()), str(uuid.uuid4())
    product = api.create_product(capacity=10)
    first = api.create_order(product["id"], 1, contact_id=mine)
    other = api.create_order(product["id"], 1, contact_id=theirs)
    second = api.create_order(product["id"], 2, contact_id=mine, draft=True)

    listed = client.get("/v1/me/orders", headers=customer(mine))
    assert listed.status_code == 200, listed.text
    page = listed.json()
    assert [o["id"] for o in page["items"]] == [second["id"], first["id"]]
    assert page["next_cursor"] is None
    assert set(page["items"][0]) == MY_ORDER_FIELDS
    shown = page["items"][1]
    assert (shown["number"], shown["status"], shown["total"], shown["version"]) == (
        "R-000001",
        "placed",
        "100.00",
        1,
    )
    assert shown["delivery_address"] == {
        "name": None, "line1": "1 Main Street", "line2": None, "postal_code": "10115",
        "city": "Berlin", "region": None, "country": "DE",
    }  # fmt: skip
    assert shown["history"] == [
        {
            "status": "placed",
            "from_status": None,
            "occurred_at": first["created_at"],
            "source": "staff",
            "reason": None,
            "tracking": None,
        }
    ]

    paged = client.get("/v1/me/orders", params={"limit": 1}, headers=customer(mine)).json()
    rest = client.get(
        "/v1/me/orders", params={"limit": 1, "cursor": paged["next_cursor"]}, headers=customer(mine)
    ).json()
    assert [o["id"] for o in paged["items"] + rest["items"]] == [second["id"], first["id"]]
    assert rest["next_cursor"] is None

    one = client.get(f"/v1/me/orders/{first['id']}", headers=customer(mine))
    assert (one.status_code, one.headers["ETag"], one.json()["id"]) == (200, '"1"', first["id"])

    # Another customer's order does not exist for this customer, whatever the route.
    for method, path in [
        ("GET", f"/v1/me/orders/{other['id']}"),
        ("PATCH", f"/v1/me/orders/{other['id']}"),
        ("POST", f"/v1/me/orders/{other['id']}/cancel"),
        ("POST", f"/v1/me/orders/{other['id']}/place"),
    ]:
        payload = {"delivery_address": ADDRESS} if method == "PATCH" else None
        answer = client.request(method, path, json=payload, headers=customer(mine))
        assert answer.status_code == 404, (method, path, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["detail"] == f"There is no order {other['id']}."
    untouched = client.get(f"/v1/orders/{other['id']}", headers=api.headers).json()
    assert (untouched["status"], untouched["version"]) == ("placed", 1)
    assert (
        client.get("/v1/me/orders", headers=customer(theirs)).json()["items"][0]["id"]
        == (other["id"])
    )


def test_only_customer_tokens_reach_me(
    client: httpx.Client, as_role: Callable[..., dict[str, str]]
) -> None:
    for roles in [("admin",), ("website",), ("partner",)]:
        answer = client.get("/v1/me/orders", headers=as_role(*roles))
        assert answer.status_code == 403, roles
    assert client.get("/v1/me/orders").status_code == 401


def test_a_customer_places_amends_and_cancels_their_own_order(
    client: httpx.Client,
    api: Any,
    engine: Engine,
    customer: Callable[[str], dict[str, str]],
) -> None:
    contact = str(uuid.uuid4())
    me = customer(contact)
    product = api.create_product(capacity=5)

    created = client.post(
        "/v1/me/orders", json=body(product["id"], 2), headers={**me, "Idempotency-Key": "k-1"}
    )
    assert created.status_code == 201, created.text
    order = created.json()
    assert set(order) == MY_ORDER_FIELDS
    assert (order["status"], order["total"], order["version"]) == ("placed", "200.00", 1)
    assert created.headers["Location"] == f"/v1/me/orders/{order['id']}"
    assert created.headers["ETag"] == '"1"'
    assert [(e["status"], e["source"]) for e in order["history"]] == [("placed", "customer")]
    # The order is the token's contact's, as staff see it.
    staff_view = client.get(f"/v1/orders/{order['id']}", headers=api.headers).json()
    assert (staff_view["contact_id"], staff_view["history"][0]["source"]) == (contact, "customer")

    replay = client.post(
        "/v1/me/orders", json=body(product["id"], 2), headers={**me, "Idempotency-Key": "k-1"}
    )
    assert (replay.status_code, replay.json(), replay.headers["Idempotent-Replayed"]) == (
        201,
        order,
        "true",
    )
    reused = client.post(
        "/v1/me/orders", json=body(product["id"], 1), headers={**me, "Idempotency-Key": "k-1"}
    )
    assert reused.status_code == 422

    stale = client.patch(
        f"/v1/me/orders/{order['id']}",
        json={"delivery_address": {**ADDRESS, "city": "Potsdam"}},
        headers={**me, "If-Match": '"7"'},
    )
    assert stale.status_code == 412
    amended = client.patch(
        f"/v1/me/orders/{order['id']}",
        json={
            "lines": [{**LINE, "product_id": product["id"], "quantity": 3}],
            "delivery_address": {**ADDRESS, "city": "Potsdam"},
        },
        headers={**me, "If-Match": '"1"'},
    )
    assert amended.status_code == 200, amended.text
    assert (amended.json()["total"], amended.json()["delivery_address"]["city"]) == (
        "300.00",
        "Potsdam",
    )
    assert (amended.json()["version"], amended.headers["ETag"]) == (2, '"2"')
    sold_out = client.patch(
        f"/v1/me/orders/{order['id']}",
        json={"lines": [{**LINE, "product_id": product["id"], "quantity": 6}]},
        headers=me,
    )
    assert (sold_out.status_code, sold_out.json()["available"]) == (409, 2)

    cancelled = client.post(
        f"/v1/me/orders/{order['id']}/cancel",
        json={"reason": "Found a nearer shop"},
        headers={**me, "If-Match": '"2"'},
    )
    assert cancelled.status_code == 200, cancelled.text
    mine = cancelled.json()
    assert (mine["status"], mine["version"]) == ("cancelled", 3)
    assert [(e["status"], e["source"], e["reason"]) for e in mine["history"]] == [
        ("placed", "customer", None),
        ("cancelled", "customer", "Found a nearer shop"),
    ]
    capacity = client.get(f"/v1/products/{product['id']}", headers=api.headers).json()
    assert capacity["reserved"] == 0
    again = client.post(f"/v1/me/orders/{order['id']}/cancel", headers=me)
    assert (again.status_code, again.json()["current_status"]) == (409, "cancelled")
    amend_late = client.patch(
        f"/v1/me/orders/{order['id']}", json={"delivery_address": ADDRESS}, headers=me
    )
    assert amend_late.status_code == 409

    # The status change carries the order's total and currency.
    events = outbox(engine, order["id"])
    assert [t for t, _ in events] == [
        "orders.order.placed.v1",
        "orders.order.amended.v1",
        "orders.order.cancelled.v1",
        "orders.order.status_changed.v1",
    ]
    change = events[3][1]
    assert (change["from_status"], change["to_status"], change["source"]) == (
        "placed",
        "cancelled",
        "customer",
    )
    assert (change["total"], change["currency"]) == ("300.00", "EUR")
    assert events[2][1]["reason"] == "Found a nearer shop"


def test_a_customer_places_their_draft(
    client: httpx.Client, api: Any, customer: Callable[[str], dict[str, str]]
) -> None:
    contact = str(uuid.uuid4())
    product = api.create_product(capacity=5)
    draft = client.post(
        "/v1/me/orders", json=body(product["id"], 2, draft=True), headers=customer(contact)
    ).json()
    assert (draft["status"], draft["placed_at"]) == ("draft", None)
    assert client.get(f"/v1/products/{product['id']}", headers=api.headers).json()["reserved"] == 0

    placed = client.post(
        f"/v1/me/orders/{draft['id']}/place", headers={**customer(contact), "If-Match": '"1"'}
    )
    assert placed.status_code == 200, placed.text
    assert (placed.json()["status"], placed.json()["version"]) == ("placed", 2)
    assert [(e["from_status"], e["status"], e["source"]) for e in placed.json()["history"]] == [
        (None, "draft", "customer"),
        ("draft", "placed", "customer"),
    ]
    assert client.get(f"/v1/products/{product['id']}", headers=api.headers).json()["reserved"] == 2
    twice = client.post(f"/v1/me/orders/{draft['id']}/place", headers=customer(contact))
    assert (twice.status_code, twice.json()["current_status"]) == (409, "placed")


def test_the_contact_comes_from_the_token_never_the_body(
    client: httpx.Client,
    api: Any,
    count: Callable[[str], int],
    customer: Callable[[str], dict[str, str]],
) -> None:
    contact, someone_else = str(uuid.uuid4()), str(uuid.uuid4())
    product = api.create_product(capacity=5)
    answer = client.post(
        "/v1/me/orders",
        json=body(product["id"], contact_id=someone_else),
        headers=customer(contact),
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert [(e["field"], e["code"]) for e in answer.json()["errors"]] == [
        ("body.contact_id", "extra_forbidden")
    ]
    # A query parameter does not choose the contact either: the list stays the token's.
    api.create_order(product["id"], 1, contact_id=someone_else)
    listed = client.get(
        "/v1/me/orders", params={"contact_id": someone_else}, headers=customer(contact)
    )
    assert listed.json() == {"items": [], "next_cursor": None}
    assert count("orders") == 1


def test_staff_reasons_and_references_stay_out_of_the_customer_view(
    client: httpx.Client,
    api: Any,
    as_role: Callable[..., dict[str, str]],
    customer: Callable[[str], dict[str, str]],
) -> None:
    contact = str(uuid.uuid4())
    product = api.create_product(capacity=5)
    order = api.create_order(product["id"], 1, contact_id=contact)
    shipped = client.post(
        f"/v1/integrations/erp/orders/{order['id']}/status",
        json={
            "status": "confirmed",
            "erp_event_id": f"erp-{order['id']}",
            "occurred_at": "2026-01-01T10:00:00Z",
            "erp_order_number": "SO-9",
        },
        headers=as_role("erp"),
    )
    assert shipped.status_code == 200, shipped.text
    client.post(
        f"/v1/orders/{order['id']}/cancel",
        json={"reason": "Credit check failed"},
        headers=api.headers,
    )
    seen = client.get(f"/v1/me/orders/{order['id']}", headers=customer(contact)).json()
    assert set(seen) == MY_ORDER_FIELDS  # no contact, quote or ERP reference, no cancel reason
    assert [(e["status"], e["source"], e["reason"]) for e in seen["history"]] == [
        ("placed", "staff", None),
        ("confirmed", "erp", None),
        ("cancelled", "staff", None),
    ]
