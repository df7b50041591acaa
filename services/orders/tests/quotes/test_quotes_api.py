"""Quotes over HTTP: priced creation, send, accept into an order (winning the deal), reject, expiry."""

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, text

PROBLEM = "https://rapport.dev/problems/"
UNKNOWN_ID = "01900000-0000-7000-8000-000000000000"
ADDRESS = {"line1": "1 Main Street", "postal_code": "10115", "city": "Berlin", "country": "DE"}


def event_types(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT event_type FROM outbox ORDER BY seq"))]


def event_data(engine: Engine, event_type: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT envelope FROM outbox WHERE event_type = :t ORDER BY seq"),
            {"t": event_type},
        ).all()
    return [json.loads(r[0])["data"] for r in rows]


def expire(engine: Engine, quote_id: str) -> None:
    """Let the quote's validity end yesterday (tests cannot wait for a day to pass)."""
    yesterday = date.today() - timedelta(days=2)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE quotes SET valid_until = :d WHERE id = :i"),
            {
                "d": yesterday,
                "i": quote_id if engine.dialect.name == "postgresql" else quote_id.replace("-", ""),
            },
        )


def deal(sales: Any, api: Any, **overrides: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    product = api.create_product()
    opportunity = sales.create_opportunity(amount="200", currency="EUR", **overrides)
    return opportunity, product


def test_create_a_priced_quote(
    client: httpx.Client,
    as_role: Callable[..., dict[str, str]],
    sales: Any,
    api: Any,
    count: Callable[[str], int],
) -> None:
    opportunity, product = deal(sales, api, owner_id="agent-7")
    body = {
        "opportunity_id": opportunity["id"],
        "valid_until": "2999-12-31",
        "lines": [
            {
                "product_id": product["id"],
                "options": {"fixture": "F2", "lamp": "L2"},
                "quantity": 3,
                "discount_percent": "10",
            },
            {
                "product_id": product["id"],
                "options": {"fixture": "F1", "lamp": "L1"},
                "quantity": 1,
            },
        ],
    }
    response = client.post("/v1/quotes", json=body, headers=as_role("partner"))
    assert response.status_code == 201, response.text
    quote = response.json()
    assert response.headers["Location"] == f"/v1/quotes/{quote['id']}"
    assert response.headers["ETag"] == '"1"'
    assert (quote["number"], quote["status"], quote["currency"], quote["valid_until"]) == (
        "Q-000001",
        "draft",
        "EUR",
        "2999-12-31",
    )
    assert (quote["opportunity_id"], quote["contact_id"], quote["order_id"]) == (
        opportunity["id"],
        opportunity["contact_id"],
        None,
    )
    # (100 + 20 + 5.50) x 3 less 10 % = 338.85; 100 x 1 = 100
    assert [
        (
            line["line_no"],
            line["unit_price"],
            line["quantity"],
            line["discount_percent"],
            line["line_total"],
        )
        for line in quote["lines"]
    ] == [
        (1, "125.50", 3, "10.00", "338.85"),
        (2, "100.00", 1, "0.00", "100.00"),
    ]
    assert quote["total"] == "438.85"
    assert (
        client.get(f"/v1/quotes/{quote['id']}", headers=as_role("agent", agent_id="agent-7")).json()
        == quote
    )
    second = sales.create_quote(opportunity["id"], product["id"])
    assert (second["number"], second["total"]) == ("Q-000002", "200.00")
    listed = client.get(
        "/v1/quotes",
        params={"opportunity_id": opportunity["id"], "limit": 1},
        headers=as_role("agent", agent_id="agent-7"),
    ).json()
    rest = client.get(
        "/v1/quotes",
        params={"opportunity_id": opportunity["id"], "cursor": listed["next_cursor"]},
        headers=as_role("agent", agent_id="agent-7"),
    ).json()
    assert [q["id"] for q in listed["items"] + rest["items"]] == [quote["id"], second["id"]]
    assert (
        client.get(
            "/v1/quotes",
            params={"opportunity_id": UNKNOWN_ID},
            headers=as_role("agent", agent_id="agent-7"),
        ).json()["items"]
        == []
    )
    assert count("quotes") == 2


def test_bad_quotes_are_refused_and_nothing_is_written(
    client: httpx.Client,
    admin: dict[str, str],
    sales: Any,
    api: Any,
    count: Callable[[str], int],
    engine: Engine,
) -> None:
    opportunity, product = deal(sales, api)
    bare = sales.create_opportunity()
    line = {"product_id": product["id"], "options": {"fixture": "F1", "lamp": "L1"}, "quantity": 1}
    base = {"opportunity_id": opportunity["id"], "valid_until": "2999-12-31", "lines": [line]}
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    cases: list[tuple[dict[str, Any], str, list[tuple[str, str]]]] = [
        (
            {**base, "opportunity_id": UNKNOWN_ID},
            "validation-error",
            [("body.opportunity_id", "unknown_opportunity")],
        ),
        (
            {**base, "valid_until": yesterday},
            "validation-error",
            [("body.valid_until", "in_the_past")],
        ),
        (
            {**base, "opportunity_id": bare["id"]},
            "validation-error",
            [("body.currency", "currency_required")],
        ),
        (
            {**base, "currency": "USD"},
            "invalid-lines",
            [("body.lines.0.product_id", "currency_mismatch")],
        ),
        (
            {**base, "lines": [{**line, "product_id": UNKNOWN_ID}]},
            "invalid-lines",
            [("body.lines.0.product_id", "unknown_product")],
        ),
        (
            {
                **base,
                "lines": [{**line, "options": {"fixture": "F2", "lamp": "L3", "ballast": "B2"}}],
            },
            "invalid-lines",
            [("body.lines.0.options", "excludes")],
        ),
        (
            {**base, "lines": [{**line, "quantity": 0}]},
            "validation-error",
            [("body.lines.0.quantity", "greater_than_equal")],
        ),
        (
            {**base, "lines": [{**line, "discount_percent": "101"}]},
            "validation-error",
            [("body.lines.0.discount_percent", "less_than_equal")],
        ),
        ({**base, "lines": []}, "validation-error", [("body.lines", "too_short")]),
        (
            {**base, "opportunity_id": "nope"},
            "validation-error",
            [("body.opportunity_id", "uuid_parsing")],
        ),
        (
            {**base, "valid_until": "someday"},
            "validation-error",
            [("body.valid_until", "date_from_datetime_parsing")],
        ),
    ]
    for body, code, expected in cases:
        response = client.post("/v1/quotes", json=body, headers=admin)
        assert response.status_code == 422, body
        assert response.json()["type"] == PROBLEM + code, response.text
        assert [(e["field"], e["code"]) for e in response.json()["errors"]] == expected, (
            response.text
        )
    malformed = client.post(
        "/v1/quotes", content=b'{"lines": [', headers={**admin, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    sales.move(opportunity["id"], "lost", lost_reason="Budget cut")
    closed = client.post("/v1/quotes", json=base, headers=admin)
    assert closed.status_code == 409
    assert closed.json()["type"] == PROBLEM + "opportunity-closed"
    assert count("quotes") == 0
    # Refused quotes took no number.
    fresh = sales.create_opportunity(currency="EUR")
    assert sales.create_quote(fresh["id"], product["id"])["number"] == "Q-000001"


def test_send_moves_the_opportunity_to_quote_sent(
    client: httpx.Client, admin: dict[str, str], sales: Any, api: Any, engine: Engine
) -> None:
    opportunity, product = deal(sales, api)
    quote = sales.create_quote(opportunity["id"], product["id"])
    response = client.post(f"/v1/quotes/{quote['id']}/send", headers=admin)
    assert response.status_code == 200, response.text
    sent = response.json()
    assert (sent["status"], sent["version"], response.headers["ETag"]) == ("sent", 2, '"2"')
    assert sent["sent_at"] is not None
    moved = client.get(f"/v1/opportunities/{opportunity['id']}", headers=admin).json()
    assert moved["stage"] == "quote_sent"
    assert [(e["from_stage"], e["stage"]) for e in sales.history(opportunity["id"])][-1] == (
        "initiation",
        "quote_sent",
    )
    again = client.post(f"/v1/quotes/{quote['id']}/send", headers=admin)
    assert again.status_code == 409
    assert (again.json()["type"], again.json()["quote_status"]) == (
        PROBLEM + "quote-state-conflict",
        "sent",
    )
    # A second quote for a deal already at quote_sent does not move it again.
    second = sales.create_quote(opportunity["id"], product["id"])
    sales.send_quote(second["id"])
    assert len(sales.history(opportunity["id"])) == 2
    [first_sent, second_sent] = event_data(engine, "orders.quote.sent.v1")
    assert (
        first_sent["quote"]["id"],
        first_sent["quote"]["status"],
        first_sent["quote"]["total"],
    ) == (quote["id"], "sent", "200.00")
    assert second_sent["quote"]["number"] == second["number"]


def test_accept_makes_an_order_and_wins_the_opportunity(
    client: httpx.Client,
    admin: dict[str, str],
    as_role: Callable[..., dict[str, str]],
    sales: Any,
    api: Any,
    engine: Engine,
) -> None:
    opportunity, product = deal(sales, api, owner_id="agent-7")
    quote = sales.create_quote(opportunity["id"], product["id"])
    draft = client.post(
        f"/v1/quotes/{quote['id']}/accept",
        json={"delivery_address": ADDRESS},
        headers=as_role("agent", agent_id="agent-7"),
    )
    assert draft.status_code == 409
    assert (draft.json()["type"], draft.json()["quote_status"]) == (
        PROBLEM + "quote-state-conflict",
        "draft",
    )
    sales.send_quote(quote["id"])
    partner = as_role("partner", principal_id="partner-1")
    before = event_types(engine)
    response = client.post(
        f"/v1/quotes/{quote['id']}/accept",
        json={"delivery_address": ADDRESS},
        headers={**partner, "Idempotency-Key": "accept-1"},
    )
    assert response.status_code == 200, response.text
    accepted = response.json()
    assert (accepted["status"], accepted["version"]) == ("accepted", 3)
    assert accepted["order_id"] is not None
    assert accepted["decided_at"] is not None

    order = client.get(f"/v1/orders/{accepted['order_id']}", headers=admin).json()
    assert (
        order["quote_id"],
        order["contact_id"],
        order["total"],
        order["status"],
        order["currency"],
    ) == (
        quote["id"],
        opportunity["contact_id"],
        "200.00",
        "placed",
        "EUR",
    )
    assert [(line["product_id"], line["options"], line["quantity"]) for line in order["lines"]] == [
        (product["id"], {"fixture": "F1", "lamp": "L1"}, 2)
    ]
    won = client.get(f"/v1/opportunities/{opportunity['id']}", headers=partner).json()
    assert (won["stage"], won["stage_kind"], won["order_id"]) == (
        "won",
        "won",
        accepted["order_id"],
    )
    last = sales.history(opportunity["id"])[-1]
    assert (last["from_stage"], last["stage"], last["changed_by"], last["order_id"]) == (
        "quote_sent",
        "won",
        "partner-1",
        accepted["order_id"],
    )
    new_events = event_types(engine)[len(before) :]
    assert "orders.order.placed.v1" in new_events
    assert new_events[-3:] == [
        "orders.opportunity.stage_changed.v1",
        "orders.opportunity.won.v1",
        "orders.quote.accepted.v1",
    ]
    [won_event] = event_data(engine, "orders.opportunity.won.v1")
    assert (won_event["order_id"], won_event["opportunity"]["stage"]) == (
        accepted["order_id"],
        "won",
    )
    [accepted_event] = event_data(engine, "orders.quote.accepted.v1")
    assert (accepted_event["order_id"], accepted_event["quote"]["status"]) == (
        accepted["order_id"],
        "accepted",
    )

    replay = client.post(
        f"/v1/quotes/{quote['id']}/accept",
        json={"delivery_address": ADDRESS},
        headers={**partner, "Idempotency-Key": "accept-1"},
    )
    assert (replay.status_code, replay.json()) == (200, accepted)
    reused = client.post(
        f"/v1/quotes/{quote['id']}/accept",
        json={"delivery_address": {**ADDRESS, "city": "Hamburg"}},
        headers={**partner, "Idempotency-Key": "accept-1"},
    )
    assert reused.status_code == 422
    assert reused.json()["type"] == PROBLEM + "idempotency-key-reused"
    for action, body in (("accept", {"delivery_address": ADDRESS}), ("reject", {}), ("send", None)):
        response = client.post(f"/v1/quotes/{quote['id']}/{action}", json=body, headers=partner)
        assert response.status_code == 409, action
        assert response.json()["quote_status"] == "accepted"
    assert len(client.get("/v1/orders", headers=admin).json()["items"]) == 1


def test_a_refused_order_leaves_quote_and_opportunity_unchanged(
    client: httpx.Client, admin: dict[str, str], sales: Any, api: Any, count: Callable[[str], int]
) -> None:
    opportunity, product = deal(sales, api)
    quote = sales.create_quote(opportunity["id"], product["id"])
    sales.send_quote(quote["id"])
    outbox = count("outbox")
    cheaper = client.patch(
        f"/v1/products/{product['id']}", json={"base_price": "90.00"}, headers=admin
    )
    assert cheaper.status_code == 200, cheaper.text
    outbox = count("outbox")
    changed = client.post(
        f"/v1/quotes/{quote['id']}/accept", json={"delivery_address": ADDRESS}, headers=admin
    )
    assert changed.status_code == 409
    assert (
        changed.json()["type"],
        changed.json()["quoted_total"],
        changed.json()["current_total"],
    ) == (
        PROBLEM + "quote-prices-changed",
        "200.00",
        "180.00",
    )
    client.patch(
        f"/v1/products/{product['id']}",
        json={"base_price": "100.00", "active": False},
        headers=admin,
    )
    outbox = count("outbox")
    inactive = client.post(
        f"/v1/quotes/{quote['id']}/accept", json={"delivery_address": ADDRESS}, headers=admin
    )
    assert inactive.status_code == 422
    assert [e["code"] for e in inactive.json()["errors"]] == ["inactive_product"]
    for body in (
        {},
        {"delivery_address": {**ADDRESS, "country": "Germany"}},
        {"delivery_address": ADDRESS, "x": 1},
    ):
        response = client.post(f"/v1/quotes/{quote['id']}/accept", json=body, headers=admin)
        assert response.status_code == 422, body
    assert client.get(f"/v1/quotes/{quote['id']}", headers=admin).json()["status"] == "sent"
    assert (
        client.get(f"/v1/opportunities/{opportunity['id']}", headers=admin).json()["stage"]
        == "quote_sent"
    )
    assert (count("orders"), count("outbox")) == (0, outbox)


def test_expired_quotes_cannot_be_sent_accepted_or_rejected(
    client: httpx.Client,
    admin: dict[str, str],
    sales: Any,
    api: Any,
    engine: Engine,
    count: Callable[[str], int],
) -> None:
    opportunity, product = deal(sales, api)
    draft = sales.create_quote(opportunity["id"], product["id"])
    sent = sales.create_quote(opportunity["id"], product["id"])
    sales.send_quote(sent["id"])
    valid = sales.create_quote(opportunity["id"], product["id"])
    expire(engine, draft["id"])
    expire(engine, sent["id"])
    outbox = count("outbox")
    for quote_id, action, body in (
        (draft["id"], "send", None),
        (sent["id"], "accept", {"delivery_address": ADDRESS}),
        (sent["id"], "reject", {}),
    ):
        response = client.post(f"/v1/quotes/{quote_id}/{action}", json=body, headers=admin)
        assert response.status_code == 409, action
        assert response.json()["type"] == PROBLEM + "quote-expired"
        assert response.json()["valid_until"] == (date.today() - timedelta(days=2)).isoformat()
    assert client.get(f"/v1/quotes/{sent['id']}", headers=admin).json()["status"] == "expired"
    expired = client.get("/v1/quotes", params={"status": "expired"}, headers=admin).json()["items"]
    assert [q["id"] for q in expired] == [draft["id"], sent["id"]]
    drafts = client.get("/v1/quotes", params={"status": "draft"}, headers=admin).json()["items"]
    assert [q["id"] for q in drafts] == [valid["id"]]
    assert client.get("/v1/quotes", params={"status": "sent"}, headers=admin).json()["items"] == []
    assert client.get("/v1/quotes", params={"status": "old"}, headers=admin).status_code == 422
    assert (count("orders"), count("outbox")) == (0, outbox)


def test_reject_a_sent_quote(
    client: httpx.Client, admin: dict[str, str], sales: Any, api: Any
) -> None:
    opportunity, product = deal(sales, api)
    quote = sales.create_quote(opportunity["id"], product["id"])
    draft = client.post(f"/v1/quotes/{quote['id']}/reject", headers=admin)
    assert (draft.status_code, draft.json()["type"]) == (409, PROBLEM + "quote-state-conflict")
    sales.send_quote(quote["id"])
    rejected = client.post(
        f"/v1/quotes/{quote['id']}/reject", json={"reason": "Too pricey"}, headers=admin
    )
    assert rejected.status_code == 200, rejected.text
    assert (
        rejected.json()["status"],
        rejected.json()["reject_reason"],
        rejected.json()["version"],
    ) == (
        "rejected",
        "Too pricey",
        3,
    )
    assert client.post(f"/v1/quotes/{quote['id']}/reject", headers=admin).status_code == 409
    other = sales.create_quote(opportunity["id"], product["id"])
    sales.send_quote(other["id"])
    bare = client.post(f"/v1/quotes/{other['id']}/reject", headers=admin)
    assert (bare.status_code, bare.json()["reject_reason"]) == (200, None)
    assert (
        client.post(f"/v1/quotes/{other['id']}/reject", json={"why": 1}, headers=admin).status_code
        == 422
    )


def test_unknown_quotes_and_roles(
    client: httpx.Client, admin: dict[str, str], as_role: Callable[..., dict[str, str]]
) -> None:
    for action, body in (
        ("send", None),
        ("accept", {"delivery_address": ADDRESS}),
        ("reject", None),
    ):
        response = client.post(f"/v1/quotes/{UNKNOWN_ID}/{action}", json=body, headers=admin)
        assert response.status_code == 404
        assert response.json()["type"] == PROBLEM + "quote-not-found"
    assert client.get(f"/v1/quotes/{UNKNOWN_ID}", headers=admin).status_code == 404
    assert client.get("/v1/quotes/Q-1", headers=admin).status_code == 422
    for role in ("website", "erp", "telephony"):
        headers = as_role(role)
        assert client.get("/v1/quotes", headers=headers).status_code == 403
        assert client.post("/v1/quotes", json={}, headers=headers).status_code == 403
        assert client.post(f"/v1/quotes/{UNKNOWN_ID}/send", headers=headers).status_code == 403
    assert client.get("/v1/quotes").status_code == 401


def test_parallel_quotes_get_distinct_numbers_without_gaps(
    client: httpx.Client, admin: dict[str, str], sales: Any, api: Any
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    opportunity, product = deal(sales, api)
    body = {
        "opportunity_id": opportunity["id"],
        "valid_until": "2999-12-31",
        "lines": [
            {"product_id": product["id"], "options": {"fixture": "F1", "lamp": "L1"}, "quantity": 1}
        ],
    }

    def create(_: int) -> httpx.Response:
        with httpx.Client(base_url=str(client.base_url), timeout=30) as own:
            return own.post("/v1/quotes", json=body, headers=admin)

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(create, range(12)))
    assert [r.status_code for r in responses] == [201] * 12
    assert sorted(r.json()["number"] for r in responses) == [f"Q-{n:06d}" for n in range(1, 13)]
