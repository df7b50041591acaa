"""From an order placed through the gateway to the ERP and back: the example ERP consumer
(examples/erp_consumer.py) confirms it, and the contacts service turns the buyer into a customer
with the order's milestones in the timeline."""

import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .conftest import System
from .kafka_reader import events_for

ERP_CONSUMER = Path(__file__).resolve().parent.parent / "examples" / "erp_consumer.py"


def run_erp(system: System, key: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The example ERP as its users run it, in its own process."""
    command = [
        sys.executable,
        str(ERP_CONSUMER),
        "--bootstrap",
        system.broker.bootstrap,
        "--gateway",
        system.gateway.url,
        "--key",
        key,
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def eventually(probe: Callable[[], Any], expected: Any, timeout: float = 30.0) -> Any:
    """`probe()` once it equals `expected` (its last value when time runs out)."""
    deadline = time.monotonic() + timeout
    value = probe()
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.2)
        value = probe()
    return value


def test_an_order_is_confirmed_by_the_example_erp_and_the_buyer_becomes_a_customer(
    system: System,
) -> None:
    partner, website, erp = (system.new_key(role) for role in ("partner", "website", "erp"))
    with (
        system.client(system.admin_key) as admin,
        system.client(partner) as p,
        system.client(website) as site,
        system.client(erp) as e,
    ):
        contact = p.post(
            "/v1/contacts",
            json={"kind": "person", "first_name": "Ada", "lifecycle_stage": "prospect"},
        )
        assert contact.status_code == 201, contact.text
        cid = contact.json()["id"]
        product = admin.post(
            "/v1/products",
            json={
                "sku": f"LAMP-{uuid.uuid4().hex[:8]}",
                "name": "Desk lamp",
                "category": "lighting",
                "base_price": "60.00",
                "currency": "EUR",
                "options": [
                    {
                        "group": "lamp",
                        "required": True,
                        "values": [{"code": "L1"}, {"code": "L2", "price_delta": "15.00"}],
                    }
                ],
            },
        )
        assert product.status_code == 201, product.text
        pid = product.json()["id"]
        assert e.get(f"/v1/products/{pid}").status_code == 200
        assert site.post("/v1/products", json={}).status_code == 403

        placed = site.post(
            "/v1/orders",
            json={
                "contact_id": cid,
                "currency": "EUR",
                "lines": [{"product_id": pid, "options": {"lamp": "L2"}, "quantity": 2}],
                "delivery_address": {
                    "line1": "1 Main St",
                    "postal_code": "10115",
                    "city": "Berlin",
                    "country": "DE",
                },
            },
            headers={"X-Request-ID": "e2e-order-1"},
        )
        assert placed.status_code == 201, placed.text
        order = placed.json()
        oid, number = order["id"], order["number"]
        assert (order["status"], order["total"]) == ("placed", "150.00")
        # The website places orders but reaches nothing else of them.
        assert site.get(f"/v1/orders/{oid}").status_code == 403
        assert site.post(f"/v1/orders/{oid}/cancel", json={}).status_code == 403

        erp_run = run_erp(system, erp, "--group", f"erp-{uuid.uuid4()}", "--max-orders", "1")
        assert erp_run.returncode == 0, erp_run.stderr
        confirmed = e.get(f"/v1/orders/{oid}")
        assert confirmed.status_code == 200, confirmed.text
        assert (confirmed.json()["status"], confirmed.json()["erp_order_number"]) == (
            "confirmed",
            "SO-" + number.removeprefix("R-"),
        )

        def stage() -> str:
            return str(p.get(f"/v1/contacts/{cid}").json()["lifecycle_stage"])

        def milestones() -> list[str]:
            items = p.get(f"/v1/contacts/{cid}/interactions").json()["items"]
            return sorted(item["subject"] for item in items)

        assert eventually(stage, "customer") == "customer"
        expected = sorted([f"Order {number} placed", f"Order {number} confirmed"])
        assert eventually(milestones, expected) == expected

        # Another ERP instance reads the topic from the start and takes the order to the door: its
        # confirmation is the same report (same erp_event_id and body), answered but not applied
        # again; in production and shipped (with tracking) follow.
        shipping = run_erp(system, erp, "--group", f"erp-{uuid.uuid4()}", "--ship", "--once")
        assert shipping.returncode == 0, shipping.stderr
        assert f"order {number}: reported shipped" in shipping.stderr
        assert "ERROR" not in shipping.stderr, shipping.stderr
        shipped = e.get(f"/v1/orders/{oid}").json()
        assert shipped["status"] == "shipped"
        assert [h["status"] for h in shipped["history"]] == [
            "placed",
            "confirmed",
            "in_production",
            "shipped",
        ]
        assert shipped["tracking"]["carrier"] == "DHL"
        tracking = shipped["tracking"]["number"]
        expected = sorted(
            [
                f"Order {number} placed",
                f"Order {number} confirmed",
                f"Order {number} in production",
                f"Order {number} shipped (DHL {tracking})",
            ]
        )
        assert eventually(milestones, expected) == expected

    placed_events = events_for(system.broker.bootstrap, "crm.orders", oid, expect=2)
    assert [e["type"] for e in placed_events][:1] == ["orders.order.placed.v1"]
    assert placed_events[0]["correlationid"] == "e2e-order-1"
    updates = events_for(system.broker.bootstrap, "crm.contacts", cid, expect=2)
    assert [e["type"] for e in updates][:2] == [
        "contacts.contact.created.v1",
        "contacts.contact.updated.v1",
    ]
    assert updates[1]["data"]["contact"]["lifecycle_stage"] == "customer"


def test_the_example_erp_stops_on_a_refused_key(system: System) -> None:
    website = system.new_key("website")
    with system.client(system.admin_key) as admin, system.client(website) as site:
        contact = admin.post("/v1/contacts", json={"kind": "person", "first_name": "Bo"}).json()
        product = admin.post(
            "/v1/products",
            json={
                "sku": f"CHAIR-{uuid.uuid4().hex[:8]}",
                "name": "Chair",
                "category": "furniture",
                "base_price": "20.00",
                "currency": "EUR",
            },
        ).json()
        placed = site.post(
            "/v1/orders",
            json={
                "contact_id": contact["id"],
                "currency": "EUR",
                "lines": [{"product_id": product["id"], "options": {}, "quantity": 1}],
                "delivery_address": {
                    "line1": "2 Side St",
                    "postal_code": "10115",
                    "city": "Berlin",
                    "country": "DE",
                },
            },
        )
        assert placed.status_code == 201, placed.text

    # A website key may not report ERP statuses: the consumer stops and commits nothing.
    refused = run_erp(system, website, "--group", f"erp-{uuid.uuid4()}", "--max-orders", "1")

    assert refused.returncode == 1
    assert "the gateway refused the key (403)" in refused.stderr


def test_every_order_reaches_the_erp_exactly_once_when_the_broker_dies_mid_stream(
    system: System, tmp_path: Path
) -> None:
    """The broker is killed while orders stream in (its memory is gone) and started again: each
    order placed before, during and after the outage reaches the running example ERP exactly once."""
    website, erp = system.new_key("website"), system.new_key("erp")
    with system.client(system.admin_key) as admin:
        cid = admin.post("/v1/contacts", json={"kind": "person", "first_name": "Cy"}).json()["id"]
        pid = admin.post(
            "/v1/products",
            json={
                "sku": f"BULB-{uuid.uuid4().hex[:8]}",
                "name": "Bulb",
                "category": "lighting",
                "base_price": "4.00",
                "currency": "EUR",
            },
        ).json()["id"]
    log_path = tmp_path / "erp.log"
    with open(log_path, "w") as log_file:
        erp_process = subprocess.Popen(
            [
                sys.executable,
                str(ERP_CONSUMER),
                "--bootstrap",
                system.broker.bootstrap,
                "--gateway",
                system.gateway.url,
                "--key",
                erp,
                "--group",
                f"erp-{uuid.uuid4()}",
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    placed: list[dict[str, Any]] = []
    failures: list[str] = []

    def stream(count: int) -> None:
        with system.client(website) as site:
            for _ in range(count):
                answer = site.post(
                    "/v1/orders",
                    json={
                        "contact_id": cid,
                        "currency": "EUR",
                        "lines": [{"product_id": pid, "options": {}, "quantity": 1}],
                        "delivery_address": {
                            "line1": "3 Quay",
                            "postal_code": "10115",
                            "city": "Berlin",
                            "country": "DE",
                        },
                    },
                )
                if answer.status_code == 201:
                    placed.append(answer.json())
                else:
                    failures.append(f"{answer.status_code} {answer.text}")
                time.sleep(0.05)

    total = 30
    streaming = threading.Thread(target=stream, args=(total,))
    try:
        streaming.start()
        assert eventually(lambda: len(placed) >= 10, True) is True
        system.broker.kill()
        assert eventually(lambda: len(placed) >= 20, True) is True  # placed while it is down
        system.broker.start()
        streaming.join(timeout=120)
        assert failures == []
        assert len(placed) == total

        with system.client(erp) as e:

            def statuses() -> list[str]:
                return sorted({e.get(f"/v1/orders/{o['id']}").json()["status"] for o in placed})

            assert eventually(statuses, ["confirmed"], timeout=90) == ["confirmed"]
            for order in placed:
                history = e.get(f"/v1/orders/{order['id']}").json()["history"]
                assert [h["status"] for h in history] == ["placed", "confirmed"]
    finally:
        streaming.join(timeout=120)
        erp_process.send_signal(signal.SIGTERM)
        try:
            erp_process.wait(timeout=30)
        finally:
            erp_process.kill()  # a no-op after a clean exit
    log_text = log_path.read_text()
    assert erp_process.returncode == 0, log_text[-3000:]
    handled = Counter(
        line.split("order ", 1)[1].split(" placed:", 1)[0]
        for line in log_text.splitlines()
        if " placed: " in line
    )
    assert {o["number"]: handled[o["number"]] for o in placed} == {o["number"]: 1 for o in placed}
