"""`/v1/webhooks`: creating, reading, changing and deleting subscriptions; secrets shown once;
bad input; who sees which subscription."""

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from crm_gateway.config import GatewaySettings
from crm_gateway.webhooks import service
from crm_gateway.webhooks.errors import UrlNotAllowed

from ..helpers import INTERNAL_SECRET

URL = "https://partner.example.com/rapport"
READ_FIELDS = {
    "id",
    "url",
    "event_types",
    "description",
    "status",
    "disabled_reason",
    "disabled_at",
    "consecutive_failures",
    "failing_since",
    "previous_secret_expires_at",
    "owner",
    "version",
    "created_at",
    "updated_at",
}


def test_a_subscription_is_created_with_a_secret_shown_once(
    client: httpx.Client, partner: dict[str, str], engine: Engine
) -> None:
    response = client.post(
        "/v1/webhooks",
        json={
            "url": URL,
            "event_types": ["orders.order.*", "contacts.contact.created.v1", "orders.order.*"],
            "description": "Order sync",
        },
        headers=partner,
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == READ_FIELDS | {"secret"}
    assert created["secret"].startswith("whsec_")
    assert len(created["secret"]) == 49
    assert created["url"] == URL
    assert created["event_types"] == ["orders.order.*", "contacts.contact.created.v1"]
    assert created["description"] == "Order sync"
    assert created["status"] == "enabled"
    assert created["consecutive_failures"] == 0
    assert created["version"] == 1
    assert response.headers["location"] == f"/v1/webhooks/{created['id']}"
    assert response.headers["etag"] == '"1"'

    read = client.get(f"/v1/webhooks/{created['id']}", headers=partner)
    assert read.status_code == 200
    assert read.json() == {k: v for k, v in created.items() if k != "secret"}
    assert read.headers["etag"] == '"1"'
    listed = client.get("/v1/webhooks", headers=partner).json()
    assert listed == {"items": [read.json()], "next_cursor": None}
    assert created["secret"] not in read.text + str(listed)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT secret_sealed FROM webhook_subscriptions")).scalar_one()
    assert created["secret"] not in stored


def test_an_idempotent_creation_answers_the_same_subscription_and_secret(
    client: httpx.Client, partner: dict[str, str], count: Callable[..., int]
) -> None:
    body = {"url": URL, "event_types": ["orders.order.placed.v1"]}
    headers = {**partner, "Idempotency-Key": "create-1"}

    first = client.post("/v1/webhooks", json=body, headers=headers)
    again = client.post("/v1/webhooks", json=body, headers=headers)
    other = client.post("/v1/webhooks", json={**body, "url": URL + "/2"}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert other.status_code == 422
    assert count("webhook_subscriptions") == 1


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"url": "ftp://partner.example.com/x"}, "body.url", "must be an https:// URL"),
        (
            {"url": "https://user:pw@partner.example.com/x"},
            "body.url",
            "must not carry credentials",
        ),
        ({"url": "https:///x"}, "body.url", "must name a host"),
        ({"url": "partner.example.com"}, "body.url", "must be an https:// URL"),
        ({"url": "https://partner.example.com:99999/x"}, "body.url", "is not a valid URL"),
        ({"url": "https://partner.example.com/a b"}, "body.url", "must not contain spaces"),
        ({"url": "https://partner.example.com/#top"}, "body.url", "must not have a fragment"),
        ({"event_types": []}, "body.event_types", "at least 1 item"),
        (
            {"event_types": ["orders.order.eaten.v1"]},
            "body.event_types",
            "'orders.order.eaten.v1' is not a known event type",
        ),
        (
            {"event_types": ["billing.*"]},
            "body.event_types",
            "'billing.*' matches no known event type",
        ),
        ({"event_types": ["orders.*.v1"]}, "body.event_types.0", "should match pattern"),
        ({"event_types": ["Orders.order.placed.v1"]}, "body.event_types.0", "should match pattern"),
        ({"description": "nul \x00"}, "body.description", "must not contain NUL characters"),
        ({"secret": "mine"}, "body.secret", "Extra inputs are not permitted"),
    ],
)
def test_bad_subscriptions_are_refused(
    client: httpx.Client,
    partner: dict[str, str],
    count: Callable[..., int],
    body: dict[str, Any],
    field: str,
    message: str,
) -> None:
    valid = {"url": URL, "event_types": ["orders.order.placed.v1"]}

    response = client.post("/v1/webhooks", json=valid | body, headers=partner)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["field"] == field
    assert message in error["message"]
    assert count("webhook_subscriptions") == 0


def test_plain_http_is_allowed_outside_production(
    subscribe: Callable[..., dict[str, Any]],
) -> None:
    created = subscribe("http://127.0.0.1:9/hook", "*")

    assert created["url"] == "http://127.0.0.1:9/hook"
    assert created["event_types"] == ["*"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://partner.example.com/x", "must be an https:// URL in production"),
        ("https://localhost/x", "must not name this machine"),
        ("https://api.localhost./x", "must not name this machine"),
        ("https://127.0.0.1/x", "must not be a private, loopback or reserved address"),
        ("https://10.1.2.3/x", "must not be a private, loopback or reserved address"),
        ("https://[::1]/x", "must not be a private, loopback or reserved address"),
        ("https://169.254.169.254/latest", "must not be a private, loopback or reserved address"),
    ],
)
def test_production_refuses_plain_http_and_local_addresses(url: str, message: str) -> None:
    production = GatewaySettings(
        environment="production",
        internal_secret=INTERNAL_SECRET,
        customer_token_secret="c" * 40,
    )

    with pytest.raises(UrlNotAllowed) as refused:
        service.check_url(url, production)

    assert refused.value.errors[0].message == message
    service.check_url("https://partner.example.com/x", production)
    service.check_url("https://8.8.8.8/x", production)


def test_patch_changes_what_was_sent_and_honours_if_match(
    client: httpx.Client, partner: dict[str, str], subscribe: Callable[..., dict[str, Any]]
) -> None:
    created = subscribe(URL, "orders.order.placed.v1")
    path = f"/v1/webhooks/{created['id']}"

    stale = client.patch(path, json={"description": "x"}, headers={**partner, "If-Match": '"7"'})
    changed = client.patch(
        path,
        json={"url": URL + "/v2", "event_types": ["routing.call.*"], "description": None},
        headers={**partner, "If-Match": '"1"'},
    )
    null_url = client.patch(path, json={"url": None}, headers=partner)
    bad_type = client.patch(path, json={"event_types": ["nope.v1"]}, headers=partner)

    assert stale.status_code == 412
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    body = changed.json()
    assert (body["url"], body["event_types"], body["description"], body["version"]) == (
        URL + "/v2",
        ["routing.call.*"],
        None,
        2,
    )
    assert null_url.status_code == 422
    assert null_url.json()["errors"][0]["message"] == "Value error, url cannot be null"
    assert bad_type.status_code == 422
    assert client.get(path, headers=partner).json() == body


def test_a_subscription_is_disabled_and_enabled_on_request(
    client: httpx.Client, partner: dict[str, str], subscribe: Callable[..., dict[str, Any]]
) -> None:
    path = f"/v1/webhooks/{subscribe(URL, '*')['id']}"

    disabled = client.patch(path, json={"enabled": False}, headers=partner).json()
    enabled = client.patch(path, json={"enabled": True}, headers=partner).json()

    assert (disabled["status"], disabled["disabled_reason"]) == ("disabled", "Disabled by request")
    assert disabled["disabled_at"] is not None
    assert (enabled["status"], enabled["disabled_reason"], enabled["disabled_at"]) == (
        "enabled",
        None,
        None,
    )
    assert enabled["version"] == 3


def test_rotating_the_secret_shows_a_new_one_once(
    client: httpx.Client, partner: dict[str, str], subscribe: Callable[..., dict[str, Any]]
) -> None:
    created = subscribe(URL, "*")

    rotated = client.post(f"/v1/webhooks/{created['id']}/rotate-secret", headers=partner)

    assert rotated.status_code == 200
    body = rotated.json()
    assert body["secret"].startswith("whsec_")
    assert body["secret"] != created["secret"]
    assert body["version"] == 2
    assert body["previous_secret_expires_at"] is not None
    assert rotated.headers["etag"] == '"2"'
    assert "secret" not in client.get(f"/v1/webhooks/{created['id']}", headers=partner).json()


def test_delete_removes_the_subscription(
    client: httpx.Client,
    partner: dict[str, str],
    subscribe: Callable[..., dict[str, Any]],
    count: Callable[..., int],
) -> None:
    path = f"/v1/webhooks/{subscribe(URL, '*')['id']}"

    deleted = client.delete(path, headers=partner)

    assert deleted.status_code == 204
    assert client.get(path, headers=partner).status_code == 404
    assert client.delete(path, headers=partner).status_code == 404
    assert count("webhook_subscriptions") == 0


def test_a_partner_sees_and_manages_only_its_own_subscriptions(
    client: httpx.Client,
    admin: dict[str, str],
    partner: dict[str, str],
    key_for: Callable[..., dict[str, str]],
    subscribe: Callable[..., dict[str, Any]],
) -> None:
    mine = subscribe(URL, "*")
    other = key_for("partner")
    theirs = subscribe(URL + "/other", "orders.*", headers=other)
    path = f"/v1/webhooks/{mine['id']}"

    answers = [
        client.get(path, headers=other),
        client.patch(path, json={"enabled": False}, headers=other),
        client.delete(path, headers=other),
        client.post(f"{path}/rotate-secret", headers=other),
        client.get(f"{path}/deliveries", headers=other),
        client.post(f"{path}/replay", json={"since": "2026-01-01T00:00:00Z"}, headers=other),
        client.post(f"{path}/test", headers=other),
    ]

    assert [a.status_code for a in answers] == [404] * 7
    assert answers[0].json()["detail"] == f"There is no webhook subscription {mine['id']}."
    assert answers[0].json()["type"] == "https://rapport.dev/problems/webhook-not-found"
    assert [s["id"] for s in client.get("/v1/webhooks", headers=other).json()["items"]] == [
        theirs["id"]
    ]
    assert [s["id"] for s in client.get("/v1/webhooks", headers=partner).json()["items"]] == [
        mine["id"]
    ]
    everything = client.get("/v1/webhooks", headers=admin).json()["items"]
    assert [s["id"] for s in everything] == [mine["id"], theirs["id"]]
    assert client.get(path, headers=partner).json()["status"] == "enabled"
    assert client.get(path, headers=admin).status_code == 200


@pytest.mark.parametrize("role", ["agent", "manager", "website", "erp"])
def test_other_roles_are_refused(
    key_for: Callable[..., dict[str, str]], client: httpx.Client, role: str
) -> None:
    response = client.get("/v1/webhooks", headers=key_for(role))

    assert response.status_code == 403


def test_subscriptions_are_listed_a_page_at_a_time(
    client: httpx.Client, partner: dict[str, str], subscribe: Callable[..., dict[str, Any]]
) -> None:
    ids = [subscribe(f"{URL}/{n}", "*")["id"] for n in range(3)]

    first = client.get("/v1/webhooks", params={"limit": 2}, headers=partner).json()
    second = client.get(
        "/v1/webhooks", params={"limit": 2, "cursor": first["next_cursor"]}, headers=partner
    ).json()

    assert [s["id"] for s in first["items"]] == ids[:2]
    assert [s["id"] for s in second["items"]] == ids[2:]
    assert second["next_cursor"] is None
    bad = client.get("/v1/webhooks", params={"cursor": "nope"}, headers=partner)
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"since": "2026-12-01T10:00:00"}, "body.since"),
        ({"since": "yesterday"}, "body.since"),
        ({"since": "2026-12-01T10:00:00Z", "until": "2026-12-01T09:00:00Z"}, "body"),
        ({"since": "2026-12-01T10:00:00Z", "event_types": ["nope.v1"]}, "body.event_types"),
        ({}, "body.since"),
    ],
)
def test_bad_replays_are_refused(
    client: httpx.Client,
    partner: dict[str, str],
    subscribe: Callable[..., dict[str, Any]],
    body: dict[str, Any],
    field: str,
) -> None:
    path = f"/v1/webhooks/{subscribe(URL, '*')['id']}/replay"

    response = client.post(path, json=body, headers=partner)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_unknown_subscriptions_are_404(client: httpx.Client, admin: dict[str, str]) -> None:
    path = f"/v1/webhooks/{uuid.uuid4()}"

    assert client.get(path, headers=admin).status_code == 404
    assert client.post(f"{path}/test", headers=admin).status_code == 404
    assert client.get("/v1/webhooks/not-a-uuid", headers=admin).status_code == 422
