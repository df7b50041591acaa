"""Row-level access over HTTP on both databases (`crm_orders.access`): which orders, quotes and
opportunities an agent, a manager and the integrations see, on reads, lists and writes; the open
mode. The read models are written as the events would leave them (`test_read_models` proves the
events do)."""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from crm_common.db import transaction
from crm_common.testing import LiveServer, listed_ids, live_server
from crm_orders.config import OrdersSettings
from crm_orders.main import create_app
from crm_orders.readmodel.models import KnownAgent, KnownAssignee, KnownContact

Headers = Callable[..., dict[str, str]]
A1, A2, A4 = "agent-a1", "agent-a2", "agent-a4"


@dataclass
class World:
    """Agents A1 (team T), A2 (team U), A4 (team V). Contact K is owned by A1 and assigned to A4;
    M was merged into K; L is nobody's. Orders 1 (K), 2 (M), 3 (L); opportunity o1 about L owned by
    A2, o2 about K owned by nobody; quote q1 of o1, q2 of o2."""

    orders: dict[int, str]
    opportunities: dict[str, str]
    quotes: dict[str, str]
    product: str


def seed_read_models(engine: Engine, k: uuid.UUID, m: uuid.UUID) -> None:
    with transaction(engine) as session:
        session.add_all(
            [
                KnownAgent(id=A1, team="T", version=1),
                KnownAgent(id=A2, team="U", version=1),
                KnownAgent(id=A4, team="V", version=1),
                KnownContact(id=k, owner_id=A1, version=1),
                KnownContact(id=m, owner_id=A2, merged_into_id=k, version=2),
            ]
        )
        session.flush()
        session.add(KnownAssignee(contact_id=k, agent_id=A4))


@pytest.fixture
def world(client: httpx.Client, api: Any, sales: Any, engine: Engine) -> World:
    k, m, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    seed_read_models(engine, k, m)
    product = api.create_product()
    orders = {
        n: api.create_order(product["id"], contact_id=str(contact))["id"]
        for n, contact in ((1, k), (2, m), (3, other))
    }
    o1 = sales.create_opportunity(contact_id=str(other), owner_id=A2)
    o2 = sales.create_opportunity(contact_id=str(k))
    quotes = {
        "q1": sales.create_quote(o1["id"], product["id"])["id"],
        "q2": sales.create_quote(o2["id"], product["id"])["id"],
    }
    return World(orders, {"o1": o1["id"], "o2": o2["id"]}, quotes, product["id"])


# Who sees what: (orders, opportunities, quotes).
EVERY = ({1, 2, 3}, {"o1", "o2"}, {"q1", "q2"})
OF_K = ({1, 2}, {"o2"}, {"q2"})
OF_A2 = (set(), {"o1"}, {"q1"})
NONE: tuple[set[int], set[str], set[str]] = (set(), set(), set())
MATRIX: dict[str, tuple[tuple[str, ...], dict[str, str], tuple[set[int], set[str], set[str]]]] = {
    "admin": (("admin",), {}, EVERY),
    "partner": (("partner",), {}, EVERY),
    "agent A1 (owner of K)": (("agent",), {"agent_id": A1}, OF_K),
    "agent A4 (assigned to K)": (("agent",), {"agent_id": A4}, OF_K),
    "agent A2 (owner of o1, and of M before the merge)": (("agent",), {"agent_id": A2}, OF_A2),
    "manager of T": (("manager",), {"team": "T"}, OF_K),
    "manager of V": (("manager",), {"team": "V"}, OF_K),
    "manager of U": (("manager",), {"team": "U"}, OF_A2),
    "manager of U who is A1": (
        ("agent", "manager"),
        {"agent_id": A1, "team": "U"},
        ({1, 2}, {"o1", "o2"}, {"q1", "q2"}),
    ),
    "agent key without agent id": (("agent",), {}, NONE),
    "manager without team or agent id": (("manager",), {}, NONE),
}


@pytest.mark.parametrize("name", list(MATRIX))
def test_who_sees_which_records(
    client: httpx.Client, world: World, as_role: Headers, name: str
) -> None:
    roles, extra, (orders, opportunities, quotes) = MATRIX[name]
    headers = as_role(*roles, **extra)

    def status(path: str) -> int:
        return client.get(path, headers=headers).status_code

    def expect(seen: set[Any], every: set[Any]) -> dict[Any, int]:
        return {key: 200 if key in seen else 404 for key in every}

    assert {n: status(f"/v1/orders/{world.orders[n]}") for n in (1, 2, 3)} == expect(
        orders, {1, 2, 3}
    )
    assert {n: status(f"/v1/orders/{world.orders[n]}/history") for n in (1, 2, 3)} == expect(
        orders, {1, 2, 3}
    )
    assert {o: status(f"/v1/opportunities/{i}") for o, i in world.opportunities.items()} == (
        expect(opportunities, {"o1", "o2"})
    )
    assert {
        o: status(f"/v1/opportunities/{i}/history") for o, i in world.opportunities.items()
    } == (expect(opportunities, {"o1", "o2"}))
    assert {q: status(f"/v1/quotes/{i}") for q, i in world.quotes.items()} == expect(
        quotes, {"q1", "q2"}
    )
    assert listed_ids(client, "/v1/orders", headers) == [world.orders[n] for n in sorted(orders)]
    assert sorted(listed_ids(client, "/v1/opportunities", headers)) == sorted(
        world.opportunities[o] for o in opportunities
    )
    assert sorted(listed_ids(client, "/v1/quotes", headers)) == sorted(
        world.quotes[q] for q in quotes
    )


def test_a_record_outside_the_rows_answers_like_an_unknown_one_and_stays_unchanged(
    client: httpx.Client, world: World, as_role: Headers, admin: dict[str, str]
) -> None:
    a2 = as_role("agent", agent_id=A2)
    order = world.orders[1]
    problem = "https://rapport.dev/problems/order-not-found"
    address = {"line1": "2 Other Street", "postal_code": "10115", "city": "Berlin", "country": "DE"}
    refused = [
        client.get(f"/v1/orders/{order}", headers=a2),
        client.patch(f"/v1/orders/{order}", json={"delivery_address": address}, headers=a2),
        client.post(f"/v1/orders/{order}/cancel", headers=a2),
        client.post(f"/v1/orders/{order}/place", headers=a2),
    ]
    assert [(r.status_code, r.json()["type"]) for r in refused] == [(404, problem)] * 4
    unknown = client.get(f"/v1/orders/{uuid.uuid4()}", headers=a2).json()
    assert {k: refused[0].json()[k] for k in ("type", "title", "status")} == {
        k: unknown[k] for k in ("type", "title", "status")
    }
    unchanged = client.get(f"/v1/orders/{order}", headers=admin).json()
    assert (unchanged["status"], unchanged["version"]) == ("placed", 1)
    opportunity = world.opportunities["o2"]
    moved = client.post(
        f"/v1/opportunities/{opportunity}/stage",
        json={"stage": "lost", "lost_reason": "x"},
        headers=a2,
    )
    patched = client.patch(f"/v1/opportunities/{opportunity}", json={"title": "Mine"}, headers=a2)
    assert [moved.status_code, patched.status_code] == [404, 404]
    assert client.get(f"/v1/opportunities/{opportunity}", headers=admin).json()["version"] == 1
    quote = world.quotes["q2"]
    answers = [
        client.post(f"/v1/quotes/{quote}/send", headers=a2).status_code,
        client.post(f"/v1/quotes/{quote}/reject", json={}, headers=a2).status_code,
    ]
    assert answers == [404, 404]
    # Nor may it quote a deal outside its rows: that opportunity is no such opportunity.
    line = {"product_id": world.product, "options": {"fixture": "F1", "lamp": "L1"}, "quantity": 1}
    body = {"valid_until": "2999-12-31", "currency": "EUR", "lines": [line]}
    quoted = client.post("/v1/quotes", json={**body, "opportunity_id": opportunity}, headers=a2)
    assert quoted.status_code == 422, quoted.text
    assert [(e["field"], e["code"]) for e in quoted.json()["errors"]] == [
        ("body.opportunity_id", "unknown_opportunity")
    ]
    own = world.opportunities["o1"]
    assert (
        client.post("/v1/quotes", json={**body, "opportunity_id": own}, headers=a2).status_code
        == 201
    )


def test_the_owner_works_on_its_records(
    client: httpx.Client, world: World, as_role: Headers
) -> None:
    a1 = as_role("agent", agent_id=A1)
    cancelled = client.post(f"/v1/orders/{world.orders[2]}/cancel", headers=a1)
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    sent = client.post(f"/v1/quotes/{world.quotes['q2']}/send", headers=a1)
    assert (sent.status_code, sent.json()["status"]) == (200, "sent")


@pytest.fixture
def open_server(service_settings: OrdersSettings) -> Iterator[LiveServer]:
    settings = service_settings.model_copy(
        update={"row_access": "open", "consumers_enabled": False}
    )
    with live_server(create_app(settings)) as running:
        yield running


def test_in_open_mode_all_staff_see_all(
    open_server: LiveServer, world: World, as_role: Headers
) -> None:
    with httpx.Client(base_url=open_server.url, timeout=30) as http:
        for headers in (as_role("agent"), as_role("manager"), as_role("agent", agent_id=A2)):
            assert listed_ids(http, "/v1/orders", headers) == [world.orders[n] for n in (1, 2, 3)]
            assert len(listed_ids(http, "/v1/quotes", headers)) == 2
