"""`POST /v1/integrations/erp/orders/{id}/status`: idempotent by the ERP's event id, in order, legal
moves only."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest

PROBLEM = "https://rapport.dev/problems/"
MISSING = "0190f0c4-1a2b-7c3d-8e4f-001122334455"
Count = Callable[[str], int]


@pytest.fixture
def erp(as_role: Callable[..., dict[str, str]]) -> dict[str, str]:
    return as_role("erp", principal_id="erp-key")


def report(status: str, event_id: str, at: str, **extra: Any) -> dict[str, Any]:
    return {"status": status, "erp_event_id": event_id, "occurred_at": at, **extra}


def url(order_id: str) -> str:
    return f"/v1/integrations/erp/orders/{order_id}/status"


def test_the_erp_moves_an_order_to_delivery(
    client: httpx.Client, erp: dict[str, str], api: Any, count: Count
) -> None:
    order = api.create_order(api.create_product()["id"])
    confirmed = client.post(
        url(order["id"]),
        json=report("confirmed", "e-1", "2026-01-01T10:00:00Z", erp_order_number="SO-1"),
        headers=erp,
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.headers["ETag"] == '"2"'
    body = confirmed.json()
    assert (body["status"], body["erp_order_number"], body["version"]) == ("confirmed", "SO-1", 2)
    tracking = {"carrier": "DHL", "number": "JD1", "url": None}
    shipped = client.post(
        url(order["id"]),
        json=report("shipped", "e-2", "2026-01-03T10:00:00Z", tracking=tracking),
        headers=erp,
    ).json()
    assert (shipped["status"], shipped["tracking"], shipped["erp_order_number"]) == (
        "shipped",
        tracking,
        "SO-1",
    )
    delivered = client.post(
        url(order["id"]), json=report("delivered", "e-3", "2026-01-04T10:00:00Z"), headers=erp
    ).json()
    assert [(h["status"], h["source"], h["occurred_at"]) for h in delivered["history"]] == [
        ("placed", "staff", order["created_at"]),
        ("confirmed", "erp", "2026-01-01T10:00:00Z"),
        ("shipped", "erp", "2026-01-03T10:00:00Z"),
        ("delivered", "erp", "2026-01-04T10:00:00Z"),
    ]
    assert delivered["history"][2]["tracking"] == tracking
    assert count("erp_status_events") == 3
    assert count("outbox") == 2 + 3  # product, placed, three status changes


def test_a_repeated_report_answers_the_current_order_and_changes_nothing(
    client: httpx.Client, erp: dict[str, str], api: Any, count: Count
) -> None:
    order = api.create_order(api.create_product()["id"])
    first = client.post(
        url(order["id"]), json=report("confirmed", "e-1", "2026-01-01T10:00:00Z"), headers=erp
    )
    client.post(
        url(order["id"]), json=report("in_production", "e-2", "2026-01-02T10:00:00Z"), headers=erp
    )
    outbox = count("outbox")
    again = client.post(
        url(order["id"]), json=report("confirmed", "e-1", "2026-01-01T10:00:00Z"), headers=erp
    )
    assert again.status_code == 200
    assert (again.json()["status"], again.json()["version"]) == ("in_production", 3)
    assert first.json()["version"] == 2
    assert count("outbox") == outbox
    assert count("order_status_history") == 3


def test_the_same_event_id_with_another_body_is_422(
    client: httpx.Client, erp: dict[str, str], api: Any, count: Count
) -> None:
    order = api.create_order(api.create_product()["id"])
    client.post(
        url(order["id"]), json=report("confirmed", "e-1", "2026-01-01T10:00:00Z"), headers=erp
    )
    response = client.post(
        url(order["id"]), json=report("shipped", "e-1", "2026-01-01T10:00:00Z"), headers=erp
    )
    assert response.status_code == 422
    assert response.json()["type"] == PROBLEM + "erp-event-reused"
    assert client.get(f"/v1/orders/{order['id']}", headers=erp).json()["status"] == "confirmed"
    assert count("erp_status_events") == 1


def test_an_older_report_is_409_with_the_current_state(
    client: httpx.Client, erp: dict[str, str], api: Any
) -> None:
    order = api.create_order(api.create_product()["id"])
    client.post(
        url(order["id"]), json=report("shipped", "e-2", "2026-01-03T10:00:00Z"), headers=erp
    )
    late = client.post(
        url(order["id"]), json=report("confirmed", "e-1", "2026-01-01T10:00:00Z"), headers=erp
    )
    assert late.status_code == 409
    problem = late.json()
    assert problem["type"] == PROBLEM + "out-of-order"
    assert (problem["current_status"], problem["version"]) == ("shipped", 2)
    assert problem["last_erp_update_at"] == "2026-01-03T10:00:00+00:00"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (["delivered"], "shipped"),
        (["shipped"], "confirmed"),
        (["cancelled"], "confirmed"),
        (["shipped"], "cancelled"),
        (["confirmed"], "confirmed"),
    ],
)
def test_illegal_moves_are_409_with_the_current_state(
    client: httpx.Client, erp: dict[str, str], api: Any, path: list[str], status: str
) -> None:
    order = api.create_order(api.create_product()["id"])
    for i, step in enumerate(path):
        done = client.post(
            url(order["id"]), json=report(step, f"e-{i}", "2026-01-01T10:00:00Z"), headers=erp
        )
        assert done.status_code == 200, done.text
    response = client.post(
        url(order["id"]), json=report(status, "e-late", "2026-01-05T10:00:00Z"), headers=erp
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == PROBLEM + "illegal-transition"
    assert (problem["current_status"], problem["requested_status"]) == (path[-1], status)


def test_a_draft_is_not_for_the_erp(
    client: httpx.Client, erp: dict[str, str], api: Any, admin: dict[str, str]
) -> None:
    product = api.create_product()
    draft = client.post(
        "/v1/orders",
        json={
            "contact_id": MISSING,
            "currency": "EUR",
            "lines": [{"product_id": product["id"], "options": {"fixture": "F1", "lamp": "L1"},
                       "quantity": 1}],
            "delivery_address": {"line1": "x", "postal_code": "1", "city": "y", "country": "FR"},
            "draft": True,
        },
        headers=admin,
    ).json()  # fmt: skip
    response = client.post(
        url(draft["id"]), json=report("confirmed", "e-1", "2026-01-01T10:00:00Z"), headers=erp
    )
    assert response.status_code == 409
    assert response.json()["current_status"] == "draft"


def test_an_erp_cancellation_releases_capacity(
    client: httpx.Client, erp: dict[str, str], api: Any, admin: dict[str, str]
) -> None:
    product = api.create_product(capacity=4)
    order = api.create_order(product["id"], 4)
    response = client.post(
        url(order["id"]), json=report("cancelled", "e-1", "2026-01-01T10:00:00Z"), headers=erp
    )
    assert response.json()["status"] == "cancelled"
    assert client.get(f"/v1/products/{product['id']}", headers=admin).json()["reserved"] == 0


@pytest.mark.parametrize(
    "change",
    [
        {"status": "placed"},
        {"status": "lost"},
        {"occurred_at": "2026-01-01T10:00:00"},
        {"occurred_at": "soon"},
        {"erp_event_id": ""},
        {"erp_event_id": "has space"},
        {"tracking": {"carrier": "DHL"}},
        {"extra": 1},
    ],
)
def test_bad_reports_are_422(
    client: httpx.Client, erp: dict[str, str], api: Any, change: dict[str, Any], count: Count
) -> None:
    order = api.create_order(api.create_product()["id"])
    body = {**report("confirmed", "e-1", "2026-01-01T10:00:00Z"), **change}
    response = client.post(url(order["id"]), json=body, headers=erp)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert count("erp_status_events") == 0


def test_unknown_and_malformed_orders(client: httpx.Client, erp: dict[str, str]) -> None:
    body = report("confirmed", "e-1", "2026-01-01T10:00:00Z")
    missing = client.post(url(MISSING), json=body, headers=erp)
    assert missing.status_code == 404
    assert missing.json()["type"] == PROBLEM + "order-not-found"
    assert client.post(url("17"), json=body, headers=erp).status_code == 422
    malformed = client.post(
        url(MISSING), content=b"{", headers={**erp, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("manager", 403), ("partner", 403),
                                              ("website", 403)])  # fmt: skip
def test_only_the_erp_and_admins_report(
    client: httpx.Client,
    api: Any,
    as_role: Callable[..., dict[str, str]],
    role: str,
    status: int,
) -> None:
    order = api.create_order(api.create_product()["id"])
    response = client.post(
        url(order["id"]),
        json=report("confirmed", "e-1", "2026-01-01T10:00:00Z"),
        headers=as_role(role),
    )
    assert response.status_code == status
