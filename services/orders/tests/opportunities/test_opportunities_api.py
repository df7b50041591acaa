"""Opportunities over HTTP: creation in the first stage, stage moves and history, changes, lists."""

from collections.abc import Callable
from typing import Any

import httpx

PROBLEM = "https://rapport.dev/problems/"
DEFAULT_ID = "00000000-0000-7000-8000-000000000001"
UNKNOWN_ID = "01900000-0000-7000-8000-000000000000"
CONTACT = "01900000-0000-7000-8000-00000000000c"


def test_create_starts_in_the_first_stage_of_the_default_pipeline(
    client: httpx.Client, as_role: Callable[..., dict[str, str]], count: Callable[[str], int]
) -> None:
    body = {
        "contact_id": CONTACT,
        "title": "Office lighting",
        "amount": "64000.5",
        "currency": "EUR",
        "expected_close_date": "2030-06-30",
        "owner_id": "agent-7",
    }
    response = client.post(
        "/v1/opportunities", json=body, headers=as_role("partner", principal_id="partner-1")
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["Location"] == f"/v1/opportunities/{created['id']}"
    assert response.headers["ETag"] == '"1"'
    expected = {
        "contact_id": CONTACT,
        "title": "Office lighting",
        "pipeline_id": DEFAULT_ID,
        "stage": "initiation",
        "stage_kind": "open",
        "probability": 10,
        "amount": "64000.5",
        "currency": "EUR",
        "expected_close_date": "2030-06-30",
        "owner_id": "agent-7",
        "product_ids": [],
        "lost_reason": None,
        "order_id": None,
        "version": 1,
    }
    assert {k: created[k] for k in expected} == expected
    owner = as_role("agent", agent_id="agent-7")  # row-level access: the owner sees its deal
    fetched = client.get(f"/v1/opportunities/{created['id']}", headers=owner)
    assert (fetched.status_code, fetched.json(), fetched.headers["ETag"]) == (200, created, '"1"')
    history = client.get(f"/v1/opportunities/{created['id']}/history", headers=owner)
    assert history.status_code == 200
    [entry] = history.json()["items"]
    assert (entry["from_stage"], entry["stage"], entry["changed_by"], entry["requested_tasks"]) == (
        None,
        "initiation",
        "partner-1",
        [],
    )
    assert entry["entered_at"] == created["created_at"]
    assert (count("opportunities"), count("opportunity_stage_entries"), count("outbox")) == (
        1,
        1,
        1,
    )


def test_create_in_another_pipeline(
    client: httpx.Client, admin: dict[str, str], sales: Any
) -> None:
    pipeline = sales.create_pipeline()
    created = sales.create_opportunity(pipeline_id=pipeline["id"])
    assert (created["pipeline_id"], created["stage"], created["probability"]) == (
        pipeline["id"],
        "enquiry",
        10,
    )


def test_bad_opportunities_are_refused_and_nothing_is_written(
    client: httpx.Client, admin: dict[str, str], count: Callable[[str], int]
) -> None:
    base = {"contact_id": CONTACT, "title": "Deal"}
    cases: list[tuple[dict[str, Any], list[tuple[str, str]]]] = [
        ({**base, "amount": "100"}, [("body.currency", "currency_required")]),
        ({**base, "pipeline_id": UNKNOWN_ID}, [("body.pipeline_id", "unknown_pipeline")]),
        ({**base, "product_ids": [UNKNOWN_ID]}, [("body.product_ids.0", "unknown_product")]),
        ({**base, "contact_id": "nope"}, [("body.contact_id", "uuid_parsing")]),
        ({"title": "Deal"}, [("body.contact_id", "missing")]),
        ({**base, "amount": "-1", "currency": "EUR"}, [("body.amount", "greater_than_equal")]),
        ({**base, "amount": "1e400", "currency": "EUR"}, [("body.amount", "decimal_max_digits")]),
        ({**base, "amount": "ten", "currency": "EUR"}, [("body.amount", "decimal_parsing")]),
        (
            {**base, "amount": "1", "currency": "eur"},
            [("body.currency", "string_pattern_mismatch")],
        ),
        (
            {**base, "expected_close_date": "soon"},
            [("body.expected_close_date", "date_from_datetime_parsing")],
        ),
        (
            {**base, "expected_close_date": "0001-01-01"},
            [("body.expected_close_date", "value_error")],
        ),
        ({**base, "title": " "}, [("body.title", "string_too_short")]),
        ({**base, "stage": "won"}, [("body.stage", "extra_forbidden")]),
    ]
    for body, expected in cases:
        response = client.post("/v1/opportunities", json=body, headers=admin)
        assert response.status_code == 422, body
        assert [(e["field"], e["code"]) for e in response.json()["errors"]] == expected, body
    malformed = client.post(
        "/v1/opportunities", content=b"{", headers={**admin, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert (count("opportunities"), count("opportunity_stage_entries"), count("outbox")) == (
        0,
        0,
        0,
    )


def test_zeros_past_the_fourth_decimal_are_dropped(
    client: httpx.Client, admin: dict[str, str], sales: Any
) -> None:
    """An amount with more zeros than its column holds (they pass `decimal_places`) keeps four."""
    created = sales.create_opportunity(amount="1." + "0" * 45, currency="EUR")
    assert created["amount"] == "1.0000"
    patched = client.patch(
        f"/v1/opportunities/{created['id']}", json={"amount": "0E-54"}, headers=admin
    )
    assert (patched.status_code, patched.json()["amount"]) == (200, "0.0000")


def test_stage_moves_and_history(
    client: httpx.Client,
    as_role: Callable[..., dict[str, str]],
    sales: Any,
    count: Callable[[str], int],
) -> None:
    opportunity = sales.create_opportunity(owner_id="agent-7")
    url = f"/v1/opportunities/{opportunity['id']}"
    agent = as_role("agent", principal_id="agent-7", agent_id="agent-7")
    moved = client.post(f"{url}/stage", json={"stage": "rfq_received"}, headers=agent)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["stage"], moved.json()["probability"], moved.json()["version"]) == (
        "rfq_received",
        60,
        2,
    )
    assert moved.headers["ETag"] == '"2"'
    back = client.post(f"{url}/stage", json={"stage": "qualification"}, headers=agent)
    assert back.json()["stage"] == "qualification"
    same = client.post(f"{url}/stage", json={"stage": "qualification"}, headers=agent)
    assert (same.status_code, same.json()["version"]) == (200, 3)
    outbox = count("outbox")
    lost = client.post(
        f"{url}/stage", json={"stage": "lost", "lost_reason": "Too expensive"}, headers=agent
    )
    assert lost.status_code == 200
    assert (lost.json()["stage"], lost.json()["stage_kind"], lost.json()["lost_reason"]) == (
        "lost",
        "lost",
        "Too expensive",
    )
    assert count("outbox") == outbox + 2  # stage_changed and lost
    history = client.get(f"{url}/history", headers=agent).json()["items"]
    assert [(e["from_stage"], e["stage"], e["changed_by"], e["lost_reason"]) for e in history] == [
        (None, "initiation", "test-key", None),
        ("initiation", "rfq_received", "agent-7", None),
        ("rfq_received", "qualification", "agent-7", None),
        ("qualification", "lost", "agent-7", "Too expensive"),
    ]
    page = client.get(f"{url}/history", params={"limit": 3}, headers=agent).json()
    rest = client.get(
        f"{url}/history", params={"limit": 3, "cursor": page["next_cursor"]}, headers=agent
    ).json()
    assert [e["id"] for e in page["items"] + rest["items"]] == [e["id"] for e in history]
    assert rest["next_cursor"] is None


def test_illegal_moves_change_nothing(
    client: httpx.Client, admin: dict[str, str], sales: Any, count: Callable[[str], int]
) -> None:
    opportunity = sales.create_opportunity()
    url = f"/v1/opportunities/{opportunity['id']}"
    cases: list[tuple[dict[str, Any], int, str, list[tuple[str, str]]]] = [
        ({"stage": "dreaming"}, 422, "validation-error", [("body.stage", "unknown_stage")]),
        (
            {"stage": "lost"},
            422,
            "validation-error",
            [("body.lost_reason", "lost_reason_required")],
        ),
        (
            {"stage": "won", "lost_reason": "x"},
            422,
            "validation-error",
            [("body.lost_reason", "lost_reason_not_allowed")],
        ),
        ({"stage": ""}, 422, "validation-error", [("body.stage", "string_too_short")]),
        ({}, 422, "validation-error", [("body.stage", "missing")]),
    ]
    for body, status, code, errors in cases:
        response = client.post(f"{url}/stage", json=body, headers=admin)
        assert response.status_code == status, body
        assert response.json()["type"] == PROBLEM + code
        assert [(e["field"], e["code"]) for e in response.json()["errors"]] == errors
    stale = client.post(
        f"{url}/stage", json={"stage": "qualification"}, headers={**admin, "If-Match": '"7"'}
    )
    assert stale.status_code == 412
    assert count("opportunity_stage_entries") == 1
    won = sales.move(opportunity["id"], "won")
    assert (won["stage_kind"], won["probability"]) == ("won", 100)
    for body in (
        {"stage": "qualification"},
        {"stage": "lost", "lost_reason": "x"},
        {"stage": "won"},
    ):
        closed = client.post(f"{url}/stage", json=body, headers=admin)
        assert closed.status_code == 409, body
        assert (closed.json()["type"], closed.json()["stage"]) == (
            PROBLEM + "opportunity-closed",
            "won",
        )
    assert count("opportunity_stage_entries") == 2
    assert client.get(url, headers=admin).json()["version"] == 2


def test_patch_honours_if_match(
    client: httpx.Client, admin: dict[str, str], sales: Any, count: Callable[[str], int]
) -> None:
    opportunity = sales.create_opportunity()
    url = f"/v1/opportunities/{opportunity['id']}"
    outbox = count("outbox")
    response = client.patch(
        url,
        json={"title": "Bigger deal", "amount": "70000", "currency": "USD", "owner_id": "agent-9"},
        headers={**admin, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["title"], body["amount"], body["currency"], body["owner_id"], body["version"]) == (
        "Bigger deal",
        "70000",
        "USD",
        "agent-9",
        2,
    )
    assert response.headers["ETag"] == '"2"'
    assert count("outbox") == outbox + 1
    stale = client.patch(url, json={"title": "x"}, headers={**admin, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["current_etag"] == '"2"'
    same = client.patch(url, json={"title": "Bigger deal"}, headers=admin)
    assert same.json()["version"] == 2
    assert count("outbox") == outbox + 1
    no_currency = client.patch(url, json={"currency": None}, headers=admin)
    assert no_currency.status_code == 422
    assert [e["code"] for e in no_currency.json()["errors"]] == ["currency_required"]
    cleared = client.patch(url, json={"amount": None, "currency": None}, headers=admin)
    assert (cleared.json()["amount"], cleared.json()["currency"]) == (None, None)
    for patch in (
        {"title": None},
        {"stage": "won"},
        {"product_ids": [UNKNOWN_ID]},
        {"amount": "x"},
    ):
        assert client.patch(url, json=patch, headers=admin).status_code == 422, patch
    assert client.get(url, headers=admin).json()["version"] == 3


def test_unknown_and_malformed_opportunity_ids(client: httpx.Client, admin: dict[str, str]) -> None:
    url = f"/v1/opportunities/{UNKNOWN_ID}"
    for response in (
        client.get(url, headers=admin),
        client.patch(url, json={"title": "x"}, headers=admin),
        client.post(f"{url}/stage", json={"stage": "won"}, headers=admin),
        client.get(f"{url}/history", headers=admin),
    ):
        assert response.status_code == 404
        assert response.json()["type"] == PROBLEM + "opportunity-not-found"
    for response in (
        client.get("/v1/opportunities/42", headers=admin),
        client.post("/v1/opportunities/42/stage", json={"stage": "won"}, headers=admin),
    ):
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["path.opportunity_id"]


def test_list_filters_and_pages(client: httpx.Client, admin: dict[str, str], sales: Any) -> None:
    other = "01900000-0000-7000-8000-0000000000dd"
    a = sales.create_opportunity(owner_id="me", expected_close_date="2030-01-10")
    b = sales.create_opportunity(
        owner_id="them", expected_close_date="2030-02-10", contact_id=other
    )
    c = sales.create_opportunity(owner_id="me")
    sales.move(c["id"], "qualification")

    def ids(**params: Any) -> list[str]:
        response = client.get("/v1/opportunities", params=params, headers=admin)
        assert response.status_code == 200, response.text
        return [o["id"] for o in response.json()["items"]]

    assert ids() == [a["id"], b["id"], c["id"]]
    assert ids(owner_id="me") == [a["id"], c["id"]]
    assert ids(contact_id=other) == [b["id"]]
    assert ids(stage="qualification") == [c["id"]]
    assert ids(stage="initiation", owner_id="me") == [a["id"]]
    assert ids(close_from="2030-01-10", close_to="2030-02-09") == [a["id"]]
    assert ids(close_from="2030-01-11") == [b["id"]]
    assert ids(close_to="2030-02-10") == [a["id"], b["id"]]
    assert ids(pipeline_id=DEFAULT_ID) == [a["id"], b["id"], c["id"]]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/opportunities", params=params, headers=admin).json()
        seen += [o["id"] for o in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [a["id"], b["id"], c["id"]]
    for params in (
        {"close_from": "nope"},
        {"contact_id": "nope"},
        {"cursor": "garbage"},
        {"limit": 0},
    ):
        response = client.get("/v1/opportunities", params=params, headers=admin)
        assert response.status_code == 422, params


def test_idempotent_creation(
    client: httpx.Client, admin: dict[str, str], count: Callable[[str], int]
) -> None:
    headers = {**admin, "Idempotency-Key": "opp-1"}
    body = {"contact_id": CONTACT, "title": "Deal"}
    first = client.post("/v1/opportunities", json=body, headers=headers)
    again = client.post("/v1/opportunities", json=body, headers=headers)
    assert (first.status_code, again.status_code, again.json()) == (201, 201, first.json())
    other = client.post("/v1/opportunities", json={**body, "title": "Other"}, headers=headers)
    assert other.status_code == 422
    assert other.json()["type"] == PROBLEM + "idempotency-key-reused"
    assert (count("opportunities"), count("outbox")) == (1, 1)


def test_roles(
    client: httpx.Client, as_role: Callable[..., dict[str, str]], count: Callable[[str], int]
) -> None:
    body = {"contact_id": CONTACT, "title": "Deal"}
    for role in ("website", "erp", "telephony"):
        headers = as_role(role)
        assert client.post("/v1/opportunities", json=body, headers=headers).status_code == 403
        assert client.get("/v1/opportunities", headers=headers).status_code == 403
        stage = client.post(
            f"/v1/opportunities/{UNKNOWN_ID}/stage", json={"stage": "won"}, headers=headers
        )
        assert stage.status_code == 403
    assert client.get("/v1/opportunities").status_code == 401
    assert count("opportunities") == 0
