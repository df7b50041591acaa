"""`GET /v1/privacy/contacts/{id}/export`: everything the service holds about a contact, as staff
see it for an admin, as the customer sees it for their own token; anyone else 403."""

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from crm_common.testing import customer_headers
from crm_orders.config import OrdersSettings


@pytest.fixture
def customer(service_settings: OrdersSettings) -> Callable[[str], dict[str, str]]:
    def headers(contact_id: str) -> dict[str, str]:
        return customer_headers(service_settings.internal_secret, contact_id)

    return headers


def records_of(contact: str, api: Any, sales: Any, client: httpx.Client) -> dict[str, Any]:
    """An order (shipped, with tracking), a won and an open opportunity, a sent and a draft quote."""
    product = api.create_product(capacity=100)
    order = api.create_order(product["id"], 2, contact_id=contact)
    shipped = client.post(
        f"/v1/integrations/erp/orders/{order['id']}/status",
        json={
            "status": "shipped",
            "erp_event_id": f"erp-{order['id']}",
            "occurred_at": "2026-01-02T10:00:00Z",
            "erp_order_number": "SO-1",
            "tracking": {"carrier": "DHL", "number": "JD01"},
        },
        headers=api.headers,
    )
    assert shipped.status_code == 200, shipped.text
    deal = sales.create_opportunity(
        contact_id=contact, title="Office lighting", amount="900.00", currency="EUR"
    )
    sent = sales.send_quote(sales.create_quote(deal["id"], product["id"])["id"])
    other = sales.create_opportunity(contact_id=contact, title="Garden lights", owner_id="agent-7")
    draft = sales.create_quote(other["id"], product["id"])
    return {"order": order, "deal": deal, "sent": sent, "other": other, "draft": draft}


def test_an_admin_exports_everything_as_staff_see_it(
    client: httpx.Client, api: Any, sales: Any, admin: dict[str, str]
) -> None:
    contact = str(uuid.uuid4())
    made = records_of(contact, api, sales, client)
    api.create_order(api.create_product(sku="OTHER-1")["id"], 1, contact_id=str(uuid.uuid4()))

    answer = client.get(f"/v1/privacy/contacts/{contact}/export", headers=admin)
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert (document["service"], document["contact_id"]) == ("orders", contact)
    data = document["data"]
    assert set(data) == {"orders", "quotes", "opportunities"}
    order = client.get(f"/v1/orders/{made['order']['id']}", headers=admin).json()
    assert data["orders"] == [order]
    assert (order["status"], order["erp_order_number"]) == ("shipped", "SO-1")
    assert order["tracking"] == {"carrier": "DHL", "number": "JD01", "url": None}
    assert [e["status"] for e in order["history"]] == ["placed", "shipped"]
    assert data["quotes"] == [
        client.get(f"/v1/quotes/{made[q]['id']}", headers=admin).json() for q in ("sent", "draft")
    ]
    assert [q["status"] for q in data["quotes"]] == ["sent", "draft"]
    assert data["opportunities"] == [
        client.get(f"/v1/opportunities/{made['deal']['id']}", headers=admin).json(),
        client.get(f"/v1/opportunities/{made['other']['id']}", headers=admin).json(),
    ]
    assert [(o["title"], o["stage"], o["amount"]) for o in data["opportunities"]] == [
        ("Office lighting", "quote_sent", "900.00"),
        ("Garden lights", "initiation", None),
    ]


def test_a_customer_exports_their_own_data_without_internal_fields(
    client: httpx.Client, api: Any, sales: Any, customer: Callable[[str], dict[str, str]]
) -> None:
    contact = str(uuid.uuid4())
    made = records_of(contact, api, sales, client)

    answer = client.get(f"/v1/privacy/contacts/{contact}/export", headers=customer(contact))
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert (document["service"], document["contact_id"]) == ("orders", contact)
    data = document["data"]
    mine = client.get(f"/v1/me/orders/{made['order']['id']}", headers=customer(contact)).json()
    assert data["orders"] == [mine]
    assert "erp_order_number" not in mine and "contact_id" not in mine
    assert mine["tracking"] == {"carrier": "DHL", "number": "JD01", "url": None}
    assert [(e["status"], e["source"]) for e in mine["history"]] == [
        ("placed", "staff"),
        ("shipped", "erp"),
    ]
    # Only the quote that was sent; no draft.
    sent = made["sent"]
    assert data["quotes"] == [
        {
            "id": sent["id"],
            "number": sent["number"],
            "status": "sent",
            "currency": "EUR",
            "valid_until": "2999-12-31",
            "lines": sent["lines"],
            "total": "200.00",
            "order_id": None,
            "sent_at": sent["sent_at"],
            "decided_at": None,
        }
    ]
    # Deals without amounts, probabilities, owners or pipelines.
    deal = client.get(f"/v1/opportunities/{made['deal']['id']}", headers=api.headers).json()
    assert data["opportunities"] == [
        {
            "id": made["deal"]["id"],
            "title": "Office lighting",
            "stage": "quote_sent",
            "product_ids": [],
            "order_id": None,
            "created_at": deal["created_at"],
            "updated_at": deal["updated_at"],
        },
        {
            "id": made["other"]["id"],
            "title": "Garden lights",
            "stage": "initiation",
            "product_ids": [],
            "order_id": None,
            "created_at": made["other"]["created_at"],
            "updated_at": made["other"]["updated_at"],
        },
    ]


def test_nobody_else_exports_a_contact(
    client: httpx.Client,
    api: Any,
    as_role: Callable[..., dict[str, str]],
    customer: Callable[[str], dict[str, str]],
) -> None:
    contact = str(uuid.uuid4())
    api.create_order(api.create_product()["id"], 1, contact_id=contact)
    path = f"/v1/privacy/contacts/{contact}/export"
    for headers in [
        customer(str(uuid.uuid4())),
        as_role("manager"),
        as_role("agent"),
        as_role("partner"),
        as_role("website"),
        as_role("erp"),
    ]:
        answer = client.get(path, headers=headers)
        assert answer.status_code == 403, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
    assert client.get(path).status_code == 401
    unknown = client.get(f"/v1/privacy/contacts/{uuid.uuid4()}/export", headers=as_role("admin"))
    assert unknown.json()["data"] == {"orders": [], "quotes": [], "opportunities": []}
    malformed = client.get("/v1/privacy/contacts/not-a-uuid/export", headers=as_role("admin"))
    assert malformed.status_code == 422
