"""Concurrent orders for the last places never oversell (threads against the live server, on each
backend)."""

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from crm_common.testing import LiveServer

CONTACT_ID = "0190f0c4-1a2b-7c3d-8e4f-001122334455"
ADDRESS = {"line1": "1 Main Street", "postal_code": "10115", "city": "Berlin", "country": "DE"}
THREADS = 16


def race(server: LiveServer, headers: dict[str, str], requests: list[dict[str, Any]]) -> list[int]:
    """Fire `requests` (POST /v1/orders bodies) at once, one thread each; their status codes."""
    barrier = threading.Barrier(len(requests))

    def place(body: dict[str, Any]) -> int:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            barrier.wait()
            return http.post("/v1/orders", json=body, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(place, requests))


def body(product_id: str, quantity: int) -> dict[str, Any]:
    return {
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


def test_parallel_orders_for_the_last_places_never_oversell(
    client: httpx.Client,
    server: LiveServer,
    admin: dict[str, str],
    api: Any,
    count: Callable[[str], int],
) -> None:
    product = api.create_product(capacity=5)
    statuses = race(server, admin, [body(product["id"], 1) for _ in range(THREADS)])
    assert Counter(statuses) == {201: 5, 409: THREADS - 5}
    read = client.get(f"/v1/products/{product['id']}", headers=admin).json()
    assert (read["reserved"], read["available"]) == (5, 0)
    assert count("orders") == 5
    numbers = sorted(o["number"] for o in client.get("/v1/orders", headers=admin).json()["items"])
    assert numbers == [f"R-{n:06d}" for n in range(1, 6)]


def test_parallel_orders_of_mixed_sizes_fill_but_never_exceed_capacity(
    client: httpx.Client,
    server: LiveServer,
    admin: dict[str, str],
    api: Any,
) -> None:
    product = api.create_product(capacity=7)
    sizes = [3, 2, 4, 1, 3, 2, 4, 1, 3, 2, 4, 1]
    statuses = race(server, admin, [body(product["id"], q) for q in sizes])
    placed = sum(q for q, status in zip(sizes, statuses, strict=True) if status == 201)
    assert set(statuses) <= {201, 409}
    read = client.get(f"/v1/products/{product['id']}", headers=admin).json()
    assert read["reserved"] == placed
    assert placed <= 7
    assert placed >= 7 - max(sizes) + 1  # refused only when the rest did not fit
    orders = client.get("/v1/orders", headers=admin).json()["items"]
    assert sum(o["lines"][0]["quantity"] for o in orders) == placed
