"""Stage rules over HTTP, and the tasks they request when opportunities enter stages."""

import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, insert, text
from sqlalchemy.exc import IntegrityError

from crm_common.db import table_of
from crm_orders.rules.models import RuleTrigger

PROBLEM = "https://rapport.dev/problems/"
DEFAULT_ID = "00000000-0000-7000-8000-000000000001"
UNKNOWN_ID = "01900000-0000-7000-8000-000000000000"
REVIEW = {
    "create_task": {
        "title": "Review with a senior manager",
        "assignee": "owner",
        "due_in_hours": 24,
    }
}


def outbox_events(engine: Engine, event_type: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT envelope FROM outbox WHERE event_type = :t ORDER BY seq"),
            {"t": event_type},
        ).all()
    return [json.loads(row[0])["data"] for row in rows]


def at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_create_read_update_and_delete_a_rule(
    client: httpx.Client, as_role: Callable[..., dict[str, str]], sales: Any
) -> None:
    manager = as_role("manager")
    response = client.post(
        "/v1/pipeline-rules",
        json={
            "name": "Big RFQs",
            "when": {"stage": "rfq_received", "amount_gt": "50000", "currency": "EUR"},
            "then": REVIEW,
        },
        headers=manager,
    )
    assert response.status_code == 201, response.text
    rule = response.json()
    assert response.headers["Location"] == f"/v1/pipeline-rules/{rule['id']}"
    assert rule["when"] == {
        "stage": "rfq_received",
        "pipeline_id": None,
        "amount_gt": "50000",
        "currency": "EUR",
        "category": None,
    }
    assert rule["then"] == {
        "create_task": {
            "title": "Review with a senior manager",
            "kind": "todo",
            "assignee": "owner",
            "due_in_hours": 24,
        }
    }
    assert (rule["active"], rule["version"]) == (True, 1)
    url = f"/v1/pipeline-rules/{rule['id']}"
    assert client.get(url, headers=manager).json() == rule
    updated = client.patch(
        url,
        json={"active": False, "when": {"stage": "quote_sent", "pipeline_id": DEFAULT_ID}},
        headers={**manager, "If-Match": '"1"'},
    )
    assert updated.status_code == 200, updated.text
    assert (
        updated.json()["active"],
        updated.json()["when"]["stage"],
        updated.json()["version"],
    ) == (
        False,
        "quote_sent",
        2,
    )
    assert updated.json()["when"]["amount_gt"] is None
    assert updated.json()["then"] == rule["then"]
    stale = client.patch(url, json={"active": True}, headers={**manager, "If-Match": '"1"'})
    assert stale.status_code == 412
    other = sales.create_rule(when={"stage": "won"})
    assert [r["id"] for r in client.get("/v1/pipeline-rules", headers=manager).json()["items"]] == [
        rule["id"],
        other["id"],
    ]
    listed = client.get("/v1/pipeline-rules", params={"stage": "won"}, headers=manager).json()
    assert [r["id"] for r in listed["items"]] == [other["id"]]
    listed = client.get("/v1/pipeline-rules", params={"active": "false"}, headers=manager).json()
    assert [r["id"] for r in listed["items"]] == [rule["id"]]
    assert client.delete(url, headers={**manager, "If-Match": '"1"'}).status_code == 412
    assert client.delete(url, headers=manager).status_code == 204
    assert client.get(url, headers=manager).status_code == 404
    assert client.delete(url, headers=manager).status_code == 404


def test_bad_rules_are_refused_and_nothing_is_written(
    client: httpx.Client, admin: dict[str, str], sales: Any, count: Callable[[str], int]
) -> None:
    tours = sales.create_pipeline()
    base: dict[str, Any] = {"name": "r", "when": {"stage": "rfq_received"}, "then": REVIEW}
    task = REVIEW["create_task"]
    cases: list[tuple[dict[str, Any], list[tuple[str, str]]]] = [
        ({**base, "when": {"stage": "dreaming"}}, [("body.when.stage", "unknown_stage")]),
        (
            {**base, "when": {"stage": "rfq_received", "pipeline_id": tours["id"]}},
            [("body.when.stage", "unknown_stage")],
        ),
        (
            {**base, "when": {"stage": "rfq_received", "pipeline_id": UNKNOWN_ID}},
            [("body.when.pipeline_id", "unknown_pipeline")],
        ),
        (
            {**base, "when": {"stage": "rfq_received", "amount_gt": "lots"}},
            [("body.when.amount_gt", "decimal_parsing")],
        ),
        (
            {**base, "then": {"create_task": {**task, "due_in_hours": -1}}},
            [("body.then.create_task.due_in_hours", "greater_than_equal")],
        ),
        (
            {**base, "then": {"create_task": {**task, "kind": "party"}}},
            [("body.then.create_task.kind", "literal_error")],
        ),
        (
            {**base, "then": {"create_task": {**task, "assignee": ""}}},
            [("body.then.create_task.assignee", "string_too_short")],
        ),
        (
            {**base, "then": {"send_email": {}}},
            [("body.then.create_task", "missing"), ("body.then.send_email", "extra_forbidden")],
        ),
        (
            {**base, "when": {"stage": "won", "weather": "sunny"}},
            [("body.when.weather", "extra_forbidden")],
        ),
    ]
    for body, expected in cases:
        response = client.post("/v1/pipeline-rules", json=body, headers=admin)
        assert response.status_code == 422, body
        assert [(e["field"], e["code"]) for e in response.json()["errors"]] == expected, body
    malformed = client.post(
        "/v1/pipeline-rules", content=b"[", headers={**admin, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert count("pipeline_rules") == 0
    rule = sales.create_rule(when={"stage": "booked", "pipeline_id": tours["id"]})
    url = f"/v1/pipeline-rules/{rule['id']}"
    for patch in (
        {"when": {"stage": "rfq_received", "pipeline_id": tours["id"]}},
        {"name": None},
        {"active": None},
    ):
        assert client.patch(url, json=patch, headers=admin).status_code == 422, patch
    assert client.get(url, headers=admin).json()["version"] == 1
    for response in (
        client.get(f"/v1/pipeline-rules/{UNKNOWN_ID}", headers=admin),
        client.patch(f"/v1/pipeline-rules/{UNKNOWN_ID}", json={"active": False}, headers=admin),
    ):
        assert response.status_code == 404
        assert response.json()["type"] == PROBLEM + "rule-not-found"
    assert client.get("/v1/pipeline-rules/x", headers=admin).status_code == 422


def test_a_threshold_keeps_four_decimals_at_most(sales: Any) -> None:
    """Zeros past the fourth decimal pass `decimal_places` but would not fit the column."""
    rule = sales.create_rule(when={"stage": "rfq_received", "amount_gt": "50000." + "0" * 40})
    assert rule["when"]["amount_gt"] == "50000.0000"


def test_only_admins_and_managers_change_rules_and_staff_read_them(
    client: httpx.Client,
    as_role: Callable[..., dict[str, str]],
    sales: Any,
    count: Callable[[str], int],
) -> None:
    rule = sales.create_rule()
    url = f"/v1/pipeline-rules/{rule['id']}"
    body = {"name": "r", "when": {"stage": "won"}, "then": REVIEW}
    for role in ("agent", "partner", "website", "erp", "telephony"):
        headers = as_role(role)
        assert client.post("/v1/pipeline-rules", json=body, headers=headers).status_code == 403
        assert client.patch(url, json={"active": False}, headers=headers).status_code == 403
        assert client.delete(url, headers=headers).status_code == 403
    for role in ("partner", "website", "erp", "telephony"):
        assert client.get("/v1/pipeline-rules", headers=as_role(role)).status_code == 403
        assert client.get(url, headers=as_role(role)).status_code == 403
    agent = as_role("agent")
    assert client.get(url, headers=agent).json() == rule
    assert [r["id"] for r in client.get("/v1/pipeline-rules", headers=agent).json()["items"]] == [
        rule["id"]
    ]
    assert count("pipeline_rules") == 1


def test_a_matching_rule_requests_one_task_per_stage_entry(
    client: httpx.Client, admin: dict[str, str], sales: Any, engine: Engine
) -> None:
    rule = sales.create_rule()
    sales.create_rule(name="small", when={"stage": "rfq_received", "amount_gt": "100000"})
    sales.create_rule(name="off", when={"stage": "rfq_received"}, active=False)
    big = sales.create_opportunity(amount="60000", currency="EUR", owner_id="agent-7")
    small = sales.create_opportunity(amount="40000", currency="EUR", owner_id="agent-7")
    before = datetime.now().astimezone()
    sales.move(big["id"], "rfq_received")
    sales.move(small["id"], "rfq_received")
    after = datetime.now().astimezone()

    entries = sales.history(big["id"])
    assert [len(e["requested_tasks"]) for e in entries] == [0, 1]
    [task] = entries[1]["requested_tasks"]
    assert (task["rule_id"], task["title"], task["kind"], task["assignee_id"]) == (
        rule["id"],
        "Review with a senior manager",
        "todo",
        "agent-7",
    )
    assert before + timedelta(hours=24) <= at(task["due_at"]) <= after + timedelta(hours=24)
    assert [e["requested_tasks"] for e in sales.history(small["id"])] == [[], []]

    changed = outbox_events(engine, "orders.opportunity.stage_changed.v1")
    assert [(e["opportunity"]["id"], len(e["requested_tasks"])) for e in changed] == [
        (big["id"], 1),
        (small["id"], 0),
    ]
    published = changed[0]["requested_tasks"][0]
    assert published == {
        "id": task["id"],
        "rule_id": rule["id"],
        "title": "Review with a senior manager",
        "kind": "todo",
        "contact_id": big["contact_id"],
        "assignee_id": "agent-7",
        "due_at": task["due_at"],
    }

    # Leaving and entering again is a new stage entry: the rule fires again, with a new task id.
    sales.move(big["id"], "qualification")
    sales.move(big["id"], "rfq_received")
    tasks = [t for e in sales.history(big["id"]) for t in e["requested_tasks"]]
    assert len(tasks) == 2
    assert tasks[0]["id"] != tasks[1]["id"]
    # Moving to the stage it is in is no entry: nothing fires.
    sales.move(big["id"], "rfq_received")
    assert len([t for e in sales.history(big["id"]) for t in e["requested_tasks"]]) == 2


def test_the_first_stage_fires_on_creation_for_a_named_assignee(
    client: httpx.Client, admin: dict[str, str], sales: Any, engine: Engine
) -> None:
    rule = sales.create_rule(
        when={"stage": "initiation"},
        then={
            "create_task": {"title": "Call", "kind": "call", "assignee": "boss", "due_in_hours": 2}
        },
    )
    created = sales.create_opportunity()
    [entry] = sales.history(created["id"])
    [task] = entry["requested_tasks"]
    assert (task["rule_id"], task["kind"], task["assignee_id"]) == (rule["id"], "call", "boss")
    [event] = outbox_events(engine, "orders.opportunity.created.v1")
    assert [t["id"] for t in event["requested_tasks"]] == [task["id"]]


def test_category_and_pipeline_conditions(
    client: httpx.Client, admin: dict[str, str], sales: Any, api: Any
) -> None:
    lamp = api.create_product()
    tour = api.create_product(sku="TOUR-1", category="tours", options=[], rules=[])
    tours = sales.create_pipeline()
    by_category = sales.create_rule(when={"stage": "qualification", "category": "lighting"})
    in_tours = sales.create_rule(when={"stage": "offer", "pipeline_id": tours["id"]})
    lit = sales.create_opportunity(product_ids=[tour["id"], lamp["id"]])
    dark = sales.create_opportunity(product_ids=[tour["id"]])
    trip = sales.create_opportunity(pipeline_id=tours["id"])
    for opportunity, stage in ((lit, "qualification"), (dark, "qualification"), (trip, "offer")):
        sales.move(opportunity["id"], stage)
    fired = {
        o["id"]: [t["rule_id"] for e in sales.history(o["id"]) for t in e["requested_tasks"]]
        for o in (lit, dark, trip)
    }
    assert fired == {lit["id"]: [by_category["id"]], dark["id"]: [], trip["id"]: [in_tours["id"]]}


def test_the_database_refuses_a_second_firing_on_one_entry(
    client: httpx.Client, sales: Any, engine: Engine
) -> None:
    rule = sales.create_rule(when={"stage": "initiation"})
    created = sales.create_opportunity()
    [entry] = sales.history(created["id"])
    [task] = entry["requested_tasks"]
    again = {
        "id": "01900000-0000-7000-8000-0000000000ff",
        "rule_id": rule["id"],
        "opportunity_id": created["id"],
        "stage_entry_id": entry["id"],
        "title": "again",
        "kind": "todo",
        "assignee_id": None,
        "due_at": at(task["due_at"]),
        "created_at": at(task["due_at"]),
    }
    row = {
        k: uuid.UUID(v) if k.endswith("id") and isinstance(v, str) else v for k, v in again.items()
    }
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(table_of(RuleTrigger)), [row])


def test_parallel_moves_into_a_stage_fire_the_rule_once(
    client: httpx.Client, admin: dict[str, str], sales: Any, count: Callable[[str], int]
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    sales.create_rule()
    opportunity = sales.create_opportunity(amount="60000", currency="EUR", owner_id="agent-7")
    url = f"{client.base_url}/v1/opportunities/{opportunity['id']}/stage"

    def move(_: int) -> int:
        with httpx.Client(timeout=30) as own:
            return own.post(url, json={"stage": "rfq_received"}, headers=admin).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(move, range(8)))
    assert statuses == [200] * 8
    history = sales.history(opportunity["id"])
    assert [e["stage"] for e in history] == ["initiation", "rfq_received"]
    assert [len(e["requested_tasks"]) for e in history] == [0, 1]
    assert count("rule_triggers") == 1
