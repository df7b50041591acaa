"""Customers and their data rights across every service, on the real broker: self-service with a
customer token, the export gathered from every service, erasure confirmed by every service."""

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from .conftest import System

# A callback window weeks ahead: scheduled, never due during the test.
WINDOW_FROM = (datetime.now(UTC) + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
WINDOW_TO = (datetime.now(UTC) + timedelta(days=20, hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")


def eventually(probe: Callable[[], Any], expected: Any, timeout: float = 40.0) -> Any:
    """`probe()` once it equals `expected` (its last value when time runs out)."""
    deadline = time.monotonic() + timeout
    value = probe()
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.25)
        value = probe()
    return value


def unique_phone() -> str:
    return f"+1 415 {200 + uuid.uuid4().int % 700:03d} {uuid.uuid4().int % 10000:04d}"


def new_customer(admin: httpx.Client, email: str, phone: str) -> str:
    created = admin.post(
        "/v1/contacts",
        json={
            "kind": "person",
            "first_name": "Margaret",
            "last_name": "Hamilton",
            "emails": [{"address": email}],
            "phones": [{"number": phone}],
            "tags": ["vip"],
            "rating": 5,
            "staff_comments": "Keeps asking about the lunar lamp",
        },
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def new_product(admin: httpx.Client) -> str:
    product = admin.post(
        "/v1/products",
        json={
            "sku": f"LAMP-{uuid.uuid4().hex[:8]}",
            "name": "Lunar lamp",
            "category": "lighting",
            "base_price": "120.00",
            "currency": "EUR",
        },
    )
    assert product.status_code == 201, product.text
    return str(product.json()["id"])


ADDRESS = {
    "name": "Margaret Hamilton",
    "line1": "1 Apollo Way",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
}


def test_a_customer_serves_themselves_with_a_customer_token(system: System) -> None:
    email, phone = f"mh.{uuid.uuid4().hex[:8]}@example.com", unique_phone()
    with system.client(system.admin_key) as admin:
        cid = new_customer(admin, email, phone)
        pid = new_product(admin)
        other = new_customer(admin, f"other.{uuid.uuid4().hex[:8]}@example.com", unique_phone())
    token = system.customer_token(cid)
    with system.client(token) as me:
        profile = me.get("/v1/me")
        assert profile.status_code == 200, profile.text
        body = profile.json()
        assert (body["id"], body["emails"][0]["address"]) == (cid, email)
        for internal in ("rating", "staff_comments", "tags", "owner_id", "attributes"):
            assert internal not in body
        for internal, value in (
            ("rating", 1),
            ("staff_comments", "x"),
            ("tags", ["x"]),
            ("owner_id", "a"),
            ("lifecycle_stage", "customer"),
        ):
            refused = me.patch("/v1/me", json={internal: value})
            assert refused.status_code == 422, (internal, refused.text)
            assert internal in refused.text
        changed = me.patch("/v1/me", json={"last_name": "Hamilton-Smith"})
        assert changed.status_code == 200, changed.text
        assert changed.json()["last_name"] == "Hamilton-Smith"

        consent = me.put("/v1/me/consents/email_marketing", json={"granted": True})
        assert consent.status_code == 200, consent.text
        assert me.get("/v1/me/consents/email_marketing").json()["granted"] is True

        placed = me.post(
            "/v1/me/orders",
            json={
                "currency": "EUR",
                "lines": [{"product_id": pid, "quantity": 1}],
                "delivery_address": ADDRESS,
            },
        )
        assert placed.status_code == 201, placed.text
        order = placed.json()
        assert order["status"] == "placed"
        mine = me.get("/v1/me/orders").json()["items"]
        assert [o["id"] for o in mine] == [order["id"]]
        detail = me.get(f"/v1/me/orders/{order['id']}")
        assert detail.status_code == 200
        assert [h["status"] for h in detail.json()["history"]] == ["placed"]
        cancelled = me.post(f"/v1/me/orders/{order['id']}/cancel", json={})
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "cancelled"

        loyalty = me.get("/v1/me/loyalty")
        assert loyalty.status_code == 200, loyalty.text
        assert loyalty.json()["balance"] == 0

        # Another customer's data is out of reach: their orders and everything that is not /v1/me.
        assert me.get(f"/v1/contacts/{other}").status_code == 403
    with system.client(system.customer_token(other)) as someone_else:
        assert someone_else.get(f"/v1/me/orders/{order['id']}").status_code == 404
        assert someone_else.get("/v1/me/orders").json()["items"] == []


def test_export_gathers_every_service_and_erasure_reaches_every_service(system: System) -> None:
    email, phone = f"erase.{uuid.uuid4().hex[:8]}@example.com", unique_phone()
    erp = system.new_key("erp")
    with system.client(system.admin_key) as admin, system.client(erp) as e:
        cid = new_customer(admin, email, phone)
        pid = new_product(admin)
        order = admin.post(
            "/v1/orders",
            json={
                "contact_id": cid,
                "currency": "EUR",
                "lines": [{"product_id": pid, "quantity": 2}],
                "delivery_address": ADDRESS,
            },
        )
        assert order.status_code == 201, order.text
        oid = order.json()["id"]
        delivered = e.post(
            f"/v1/integrations/erp/orders/{oid}/status",
            json={
                "status": "delivered",
                "erp_event_id": f"evt-{uuid.uuid4()}",
                "occurred_at": "2026-12-01T10:00:00Z",
            },
        )
        assert delivered.status_code in (200, 201), delivered.text
        window = {"window_from": WINDOW_FROM, "window_to": WINDOW_TO}
        callback = admin.post(
            "/v1/callbacks", json={"phone": phone, "note": "About the lamp", **window}
        )
        assert callback.status_code == 201, callback.text
        # Loyalty points for the delivered order arrive by event.
        points = eventually(
            lambda: admin.get(f"/v1/contacts/{cid}/loyalty").json().get("balance"), 240
        )
        assert points == 240

        # Routing learns the contact and its number from events: wait until its part has them.
        digits = phone.replace(" ", "")[-4:]
        exported = admin.get(f"/v1/contacts/{cid}/export")
        deadline = time.monotonic() + 40
        while digits not in str(exported.json().get("services", {}).get("routing")):
            if time.monotonic() > deadline:
                break
            time.sleep(0.25)
            exported = admin.get(f"/v1/contacts/{cid}/export")
        assert exported.status_code == 200, exported.text
        services = exported.json()["services"]
        assert set(services) == {"contacts", "orders", "routing", "gateway"}
        assert email in exported.text
        assert oid in str(services["orders"])
        assert phone.replace(" ", "")[-4:] in str(services["routing"])
        assert any(e["contact_id"] == cid for e in services["gateway"]["audit"])

        customer_export = system.client(system.customer_token(cid)).get("/v1/me/export")
        assert customer_export.status_code == 200, customer_export.text
        assert "Keeps asking" not in customer_export.text  # staff comments stay internal

        erasure = admin.post(f"/v1/contacts/{cid}/erasure", json={})
        assert erasure.status_code == 202, erasure.text
        request = erasure.json()
        assert request["status"] in ("in_progress", "completed")

        def progress() -> str:
            return str(admin.get(f"/v1/contacts/{cid}/erasure").json()["status"])

        assert eventually(progress, "completed") == "completed"
        final = admin.get(f"/v1/contacts/{cid}/erasure").json()
        assert sorted(s["service"] for s in final["services"]) == ["contacts", "orders", "routing"]
        assert all(s["status"] == "completed" for s in final["services"])

        assert admin.get(f"/v1/contacts/{cid}").status_code == 410
        kept = admin.get(f"/v1/orders/{oid}")
        assert kept.status_code == 200
        assert kept.json()["total"] == "240.00"  # kept for accounting
        assert "Hamilton" not in kept.text and "Apollo" not in kept.text
        assert email not in admin.get("/v1/audit", params={"contact_id": cid}).text
        assert admin.get(f"/v1/contacts/{cid}/export").status_code == 410
        assert (
            system.client(system.website_key)
            .post("/v1/auth/customer-tokens", json={"contact_id": cid})
            .status_code
            == 410
        )
