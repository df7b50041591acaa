"""Engagement rules over HTTP: create, read, change with If-Match, delete; shapes checked."""

import json
from typing import Any

import httpx
from sqlalchemy import Engine, text


def test_rule_lifecycle(client: httpx.Client, admin: dict[str, str], engine: Engine) -> None:
    created = client.post(
        "/v1/engagement-rules",
        json={"name": "Deep", "kind": "depth", "threshold": 3},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    rule = created.json()
    assert (rule["kind"], rule["threshold"], rule["steps"], rule["version"]) == ("depth", 3, [], 1)
    assert created.headers["location"] == f"/v1/engagement-rules/{rule['id']}"
    url = f"/v1/engagement-rules/{rule['id']}"

    stale = client.patch(url, json={"threshold": 4}, headers={**admin, "If-Match": '"9"'})
    changed = client.patch(url, json={"threshold": 4}, headers={**admin, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert (changed.status_code, changed.json()["threshold"], changed.json()["version"]) == (
        200,
        4,
        2,
    )
    to_sequence = client.patch(
        url, json={"kind": "sequence", "steps": [{"url": "/prices*"}]}, headers=admin
    )
    assert to_sequence.json()["threshold"] is None
    assert to_sequence.json()["steps"] == [{"url": "/prices*", "category": None}]
    listed = client.get("/v1/engagement-rules", headers=admin).json()
    assert [r["id"] for r in listed["items"]] == [rule["id"]]
    assert client.delete(url, headers=admin).status_code == 204
    assert client.get(url, headers=admin).status_code == 404
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT envelope FROM outbox WHERE event_type = :t ORDER BY seq"),
            {"t": "routing.engagement_rule.changed.v1"},
        ).all()
    events = [json.loads(row[0])["data"] for row in rows]
    assert [(e["action"], e["rule"]["version"]) for e in events] == [
        ("created", 1),
        ("updated", 2),
        ("updated", 3),
        ("deleted", 3),
    ]


def test_bad_rules_are_422(client: httpx.Client, admin: dict[str, str]) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": "x", "kind": "pages"}, "body.threshold"),
        ({"name": "x", "kind": "sequence"}, "body.steps"),
        ({"name": "x", "kind": "sequence", "steps": [{}]}, "body.steps.0"),
        ({"name": "x", "kind": "sequence", "steps": [{"url": "prices"}]}, "body.steps.0.url"),
        ({"name": "x", "kind": "time", "threshold": 0}, "body.threshold"),
        ({"name": "x", "kind": "mood", "threshold": 1}, "body.kind"),
    ]
    for body, field in cases:
        response = client.post("/v1/engagement-rules", json=body, headers=admin)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["errors"][0]["field"] == field
