"""Deliveries to a real HTTP receiver: signed POSTs of the stored envelope, retries with the log of
every attempt, automatic disabling, replays, test pings, erasure and the retention sweep. The
tests store events as the consumer does and drive the worker's passes (`deliver_due`)."""

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine

from crm_common.events.envelope import CloudEvent
from crm_common.webhooks import verify
from crm_gateway.config import GatewaySettings
from crm_gateway.webhooks import delivery
from crm_gateway.webhooks.worker import DeliveryWorker, sweep

from ..helpers import BOOTSTRAP_KEY, bearer, create_key
from .support import Receiver, consent_changed, erased, status_changed

CONTACT = uuid.UUID("0190a000-0000-7000-8000-00000000c0c0")
ADMIN = bearer(BOOTSTRAP_KEY)


def deliveries(client: httpx.Client, headers: dict[str, str], subscription_id: str) -> list[Any]:
    response = client.get(f"/v1/webhooks/{subscription_id}/deliveries", headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def codes(delivery: dict[str, Any]) -> list[int | None]:
    return [attempt["status_code"] for attempt in delivery["attempts"]]


def test_a_stored_event_is_posted_signed_as_its_envelope(
    hook: Receiver,
    subscribe: Callable[..., dict[str, Any]],
    store: Callable[[CloudEvent], None],
    worker: DeliveryWorker,
    client: httpx.Client,
    partner: dict[str, str],
) -> None:
    subscription = subscribe(hook.url, "orders.order.*")
    event, other = status_changed(CONTACT), consent_changed(CONTACT)
    store(event)
    store(other)  # not a type the subscription names

    assert worker.deliver_due() == 1

    [(headers, body)] = hook.requests
    assert json.loads(body) == event.model_dump(mode="json")
    assert headers["content-type"] == "application/cloudevents+json"
    assert headers["x-rapport-event-id"] == str(event.id)
    assert headers["x-rapport-event-type"] == "orders.order.status_changed.v1"
    assert verify(subscription["secret"], headers["x-rapport-signature"], body, 60)
    assert not verify("whsec_another", headers["x-rapport-signature"], body, 60)
    [delivery] = deliveries(client, partner, subscription["id"])
    assert delivery["event_id"] == str(event.id)
    assert delivery["event_type"] == "orders.order.status_changed.v1"
    assert (delivery["status"], delivery["attempt_count"], delivery["last_status_code"]) == (
        "delivered",
        1,
        200,
    )
    assert delivery["next_attempt_at"] is None
    assert codes(delivery) == [200]
    assert delivery["attempts"][0]["error"] is None
    assert worker.deliver_due() == 0
    assert len(hook.requests) == 1
    # The partner received the contact's data: the audit log says so, under its key.
    [entry] = client.get("/v1/audit", params={"contact_id": str(CONTACT)}, headers=ADMIN).json()[
        "items"
    ]
    assert (entry["principal_id"], entry["roles"], entry["action"], entry["status"]) == (
        subscription["owner"],
        ["webhook"],
        "read",
        200,
    )
    assert entry["path"] == f"webhook {subscription['id']}: orders.order.status_changed.v1"


def test_a_5xx_is_retried_and_the_log_shows_both_attempts(
    hook: Receiver,
    subscribe: Callable[..., dict[str, Any]],
    store: Callable[[CloudEvent], None],
    worker: DeliveryWorker,
    client: httpx.Client,
    partner: dict[str, str],
) -> None:
    subscription = subscribe(hook.url, "orders.order.status_changed.v1")
    event = status_changed(CONTACT)
    hook.plan[str(event.id)] = [500]
    store(event)

    assert worker.deliver_due() == 1
    [pending] = deliveries(client, partner, subscription["id"])
    assert (pending["status"], pending["attempt_count"], pending["last_status_code"]) == (
        "pending",
        1,
        500,
    )
    assert pending["next_attempt_at"] is not None
    assert (
        client.get(f"/v1/webhooks/{subscription['id']}", headers=partner).json()["failing_since"]
        == pending["attempts"][0]["attempted_at"]
    )

    assert worker.deliver_due(datetime.now(UTC) + timedelta(seconds=1)) == 1

    [delivered] = deliveries(client, partner, subscription["id"])
    assert (delivered["status"], delivered["attempt_count"]) == ("delivered", 2)
    assert codes(delivered) == [500, 200]
    assert [a["number"] for a in delivered["attempts"]] == [1, 2]
    bodies = [body for _, body in hook.of(event.id)]
    assert len(bodies) == 2
    assert bodies[0] == bodies[1]
    read = client.get(f"/v1/webhooks/{subscription['id']}", headers=partner).json()
    assert (read["consecutive_failures"], read["failing_since"]) == (0, None)


def test_timeouts_and_refused_connections_are_retried_until_the_attempts_run_out(
    subscribe: Callable[..., dict[str, Any]],
    store: Callable[[CloudEvent], None],
    worker: DeliveryWorker,
    client: httpx.Client,
    partner: dict[str, str],
    dead_url: str,
) -> None:
    subscription = subscribe(dead_url, "orders.order.*")
    store(status_changed(CONTACT))
    later = datetime.now(UTC)

    for _ in range(3):  # webhook_max_attempts
        later += timedelta(seconds=1)
        assert worker.deliver_due(later) == 1
    assert worker.deliver_due(later + timedelta(hours=1)) == 0

    [failed] = deliveries(client, partner, subscription["id"])
    assert (failed["status"], failed["attempt_count"], failed["last_status_code"]) == (
        "failed",
        3,
        None,
    )
    assert codes(failed) == [None, None, None]
    assert all(a["error"].startswith("ConnectError") for a in failed["attempts"])
    assert failed["last_error"].startswith("ConnectError")


def test_a_4xx_fails_the_delivery_at_once(
    hook: Receiver,
    subscribe: Callable[..., dict[str, Any]],
    store: Callable[[CloudEvent], None],
    worker: DeliveryWorker,
    client: httpx.Client,
    partner: dict[str, str],
) -> None:
    subscription = subscribe(hook.url, "orders.order.*")
    event = status_changed(CONTACT)
    hook.plan[str(event.id)] = [400]
    store(event)

    assert worker.deliver_due() == 1
    assert worker.deliver_due(datetime.now(UTC) + timedelta(hours=1)) == 0

    [failed] = deliveries(client, partner, subscription["id"])
    assert (failed["status"], codes(failed)) == ("failed", [400])
    read = client.get(f"/v1/webhooks/{subscription['id']}", headers=partner).json()
    assert (read["status"], read["consecutive_failures"]) == ("enabled", 1)


def test_persistent_failure_disables_the_subscription_until_it_is_enabled_again(
    hook: Receiver,
    subscribe: Callable[..., dict[str, Any]],
    store: Callable[[CloudEvent], None],
    worker: DeliveryWorker,
    client: httpx.Client,
    partner: dict[str, str],
) -> None:
    subscription = subscribe(hook.url, "orders.order.*")
    path = f"/v1/webhooks/{subscription['id']}"
    hook.default = 410
    store(status_changed(CONTACT))
    store(status_changed(CONTACT))

    assert worker.deliver_due() == 2  # webhook_disable_after_failures: 2

    read = client.get(path, headers=partner).json()
    assert read["status"] == "disabled"
    assert read["disabled_reason"] == "Disabled automatically: 2 consecutive deliveries failed"
    assert read["consecutive_failures"] == 2
    assert read["version"] == 2
    store(status_changed(CONTACT))  # not queued while disabled
    assert len(deliveries(client, partner, subscription["id"])) == 2

    hook.default = 200
    enabled = client.patch(path, json={"enabled": True}, headers=partner).json()
    assert (enabled["status"], enabled["consecutive_failures"], enabled["failing_since"]) == (
        "enabled",
        0,
        None,
    )
    event = status_changed(CONTACT)
    store(event)
    assert worker.deliver_due() == 1
    assert len(hook.of(event.id)) == 1


def test_attempts_failing_for_longer_than_the_limit_disable_the_subscription(
    hook: Receiver,
    subscribe: Callable[..., dict[str, Any]],
    store: Callable[[CloudEvent], None],
    worker: DeliveryWorker,
    client: httpx.Client,
    partner: dict[str, str],
    settings: GatewaySettings,
) -> None:
    subscription = subscribe(hook.url, "orders.order.*")
    hook.default = 503
    store(status_changed(CONTACT))
    first = datetime.now(UTC)
    assert worker.deliver_due(first) == 1
    read = client.get(f"/v1/webhooks/{subscription['id']}", headers=partner).json()
    assert read["status"] == "enabled"
    since = read["failing_since"]

    later = first + timedelta(hours=settings.webhook_disable_after_hours, seconds=1)
    assert worker.deliver_due(later) == 1

    read = client.get(f"/v1/webhooks/{subscription['id']}", headers=partner).json()
    assert read["status"] == "disabled"
    assert read["disabled_reason"] == (
        "Disabled automatically: deliveries have failed since "
        + datetime.fromisoformat(since).isoformat()
    )
    [pending] = deliveries(client, partner, subscription["id"])
    assert (pending["status"], codes(pending)) == ("pending", [503, 503])
    assert worker.deliver_due(later + timedelta(hours=1)) == 0  # a disabled one is not sent


def test_replay_since_a_time_redelivers_exactly_the_matching_stored_events(
    hook: Receiver,
    subscribe: Callable[..., dict[str, Any]],
    store: Callable[[CloudEvent], None],
    worker: DeliveryWorker,
    client: httpx.Client,
    partner: dict[str, str],
) -> None:
    base = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    early = status_changed(CONTACT, base - timedelta(hours=2))
    shipped = status_changed(CONTACT, base, "shipped")
    delivered = status_changed(CONTACT, base + timedelta(hours=1), "delivered")
    consent = consent_changed(CONTACT, base + timedelta(minutes=30))
    late = status_changed(CONTACT, base + timedelta(hours=5))
    for event in (early, shipped, delivered, consent, late):
        store(event)
    subscription = subscribe(hook.url, "orders.order.*")
    path = f"/v1/webhooks/{subscription['id']}/replay"

    everything = client.post(
        path,
        json={"since": "2026-12-01T12:00:00Z", "until": "2026-12-01T14:30:00+01:00"},
        headers=partner,
    )

    assert everything.status_code == 202, everything.text
    assert everything.json() == {
        "queued": 2,
        "since": "2026-12-01T12:00:00Z",
        "until": "2026-12-01T13:30:00Z",
    }
    assert worker.deliver_due() == 2
    assert {h["x-rapport-event-id"] for h, _ in hook.requests} == {
        str(shipped.id),
        str(delivered.id),
    }
    for headers, body in hook.requests:
        assert verify(subscription["secret"], headers["x-rapport-signature"], body, 60)

    again = client.post(path, json={"since": "2026-12-01T12:00:00Z"}, headers=partner)
    assert again.json()["queued"] == 3
    narrowed = client.post(
        path,
        json={"since": "2026-12-01T00:00:00Z", "event_types": ["contacts.*"]},
        headers=partner,
    )
    assert narrowed.json()["queued"] == 0
    assert worker.deliver_due() == 3
    assert [len(hook.of(e.id)) for e in (early, shipped, delivered, consent, late)] == [
        0,
        2,
        2,
        0,
        1,
    ]
    assert len(deliveries(client, partner, subscription["id"])) == 5


def test_the_delivery_log_is_newest_first_a_page_at_a_time(
    hook: Receiver,
    subscribe: Callable[..., dict[str, Any]],
    store: Callable[[CloudEvent], None],
    worker: DeliveryWorker,
    client: httpx.Client,
    partner: dict[str, str],
) -> None:
    subscription = subscribe(hook.url, "orders.order.*")
    events = [status_changed(CONTACT) for _ in range(3)]
    hook.plan[str(events[2].id)] = [400]
    for event in events:
        store(event)
    worker.deliver_due()
    path = f"/v1/webhooks/{subscription['id']}/deliveries"

    first = client.get(path, params={"limit": 2}, headers=partner).json()
    second = client.get(
        path, params={"limit": 2, "cursor": first["next_cursor"]}, headers=partner
    ).json()
    failed = client.get(path, params={"status": "failed"}, headers=partner).json()

    assert [d["event_id"] for d in first["items"] + second["items"]] == [
        str(e.id) for e in reversed(events)
    ]
    assert second["next_cursor"] is None
    assert [d["event_id"] for d in failed["items"]] == [str(events[2].id)]
    assert client.get(path, params={"status": "lost"}, headers=partner).status_code == 422


def test_a_rotated_secret_signs_alongside_the_previous_one(
    hook: Receiver,
    subscribe: Callable[..., dict[str, Any]],
    store: Callable[[CloudEvent], None],
    worker: DeliveryWorker,
    client: httpx.Client,
    partner: dict[str, str],
) -> None:
    subscription = subscribe(hook.url, "orders.order.*")
    rotated = client.post(
        f"/v1/webhooks/{subscription['id']}/rotate-secret", headers=partner
    ).json()
    store(status_changed(CONTACT))

    assert worker.deliver_due() == 1

    [(headers, body)] = hook.requests
    signature = headers["x-rapport-signature"]
    assert signature.count("v1=") == 2
    assert verify(rotated["secret"], signature, body, 60)
    assert verify(subscription["secret"], signature, body, 60)


def test_a_test_ping_reports_the_receivers_answer(
    hook: Receiver,
    subscribe: Callable[..., dict[str, Any]],
    client: httpx.Client,
    partner: dict[str, str],
    dead_url: str,
    count: Callable[..., int],
) -> None:
    subscription = subscribe(hook.url, "orders.order.*")
    path = f"/v1/webhooks/{subscription['id']}/test"

    ok = client.post(path, headers=partner)

    assert ok.status_code == 200, ok.text
    result = ok.json()
    assert (result["delivered"], result["status_code"], result["error"]) == (True, 200, None)
    [(headers, body)] = hook.requests
    assert headers["x-rapport-event-id"] == result["event_id"]
    assert headers["x-rapport-event-type"] == "gateway.webhook.test.v1"
    assert verify(subscription["secret"], headers["x-rapport-signature"], body, 60)
    ping = json.loads(body)
    assert (ping["type"], ping["source"], ping["subject"]) == (
        "gateway.webhook.test.v1",
        "gateway",
        subscription["id"],
    )
    assert ping["data"]["subscription_id"] == subscription["id"]
    assert count("webhook_deliveries") == 0

    hook.default = 500
    failing = client.post(path, headers=partner).json()
    assert (failing["delivered"], failing["status_code"]) == (False, 500)
    other = subscribe(dead_url, "*")
    unreachable = client.post(f"/v1/webhooks/{other['id']}/test", headers=partner).json()
    assert (unreachable["delivered"], unreachable["status_code"]) == (False, None)
    assert unreachable["error"].startswith("ConnectError")
    read = client.get(f"/v1/webhooks/{subscription['id']}", headers=partner).json()
    assert (read["status"], read["consecutive_failures"]) == ("enabled", 0)


def test_an_erasure_deletes_the_contacts_stored_events_and_pending_deliveries(
    hook: Receiver,
    subscribe: Callable[..., dict[str, Any]],
    store: Callable[[CloudEvent], None],
    worker: DeliveryWorker,
    client: httpx.Client,
    partner: dict[str, str],
    count: Callable[..., int],
) -> None:
    other_contact = uuid.uuid4()
    subscription = subscribe(hook.url, "orders.order.*", "contacts.*")
    sent = status_changed(CONTACT)
    store(sent)
    worker.deliver_due()
    pending = [status_changed(CONTACT), consent_changed(CONTACT)]
    kept = status_changed(other_contact)
    for event in [*pending, kept]:
        store(event)
    erasure = erased(CONTACT)

    store(erasure)

    assert count("webhook_events") == 2
    assert count("webhook_events", "contact_id IS NULL") == 1  # the erasure event
    assert worker.deliver_due() == 2
    assert hook.requests[0][0]["x-rapport-event-id"] == str(sent.id)
    assert {h["x-rapport-event-id"] for h, _ in hook.requests[1:]} == {
        str(kept.id),
        str(erasure.id),
    }
    log = deliveries(client, partner, subscription["id"])
    assert {d["event_id"] for d in log} == {str(sent.id), str(kept.id), str(erasure.id)}
    replay = client.post(
        f"/v1/webhooks/{subscription['id']}/replay",
        json={"since": "2000-01-01T00:00:00Z"},
        headers=partner,
    )
    assert replay.json()["queued"] == 2


def test_the_sweep_deletes_what_is_older_than_the_retention(
    subscribe: Callable[..., dict[str, Any]],
    store: Callable[[CloudEvent], None],
    engine: Engine,
    settings: GatewaySettings,
    hook: Receiver,
    worker: DeliveryWorker,
    count: Callable[..., int],
) -> None:
    subscribe(hook.url, "orders.order.*")
    now = datetime.now(UTC)
    store(status_changed(CONTACT, now - timedelta(days=settings.webhook_retention_days, hours=1)))
    store(status_changed(CONTACT, now))
    worker.deliver_due()

    assert sweep(engine, settings, now) == (1, 0)
    assert count("webhook_events") == 1
    assert sweep(
        engine, settings, now + timedelta(days=settings.webhook_retention_days, seconds=1)
    ) == (1, 2)
    assert count("webhook_deliveries") == 0
    assert count("webhook_attempts") == 0


def test_a_delivery_whose_event_is_gone_or_whose_secret_is_unreadable_fails_unsent(
    hook: Receiver,
    subscribe: Callable[..., dict[str, Any]],
    store: Callable[[CloudEvent], None],
    engine: Engine,
    settings: GatewaySettings,
    client: httpx.Client,
    partner: dict[str, str],
) -> None:
    subscription = subscribe(hook.url, "orders.order.*")
    now = datetime.now(UTC)
    store(status_changed(CONTACT, now - timedelta(days=settings.webhook_retention_days, hours=1)))
    assert sweep(engine, settings, now) == (1, 0)  # the event went, its fresh delivery stayed
    store(status_changed(CONTACT, now))
    other_key = settings.model_copy(update={"internal_secret": "another-internal-secret-" * 2})
    worker = DeliveryWorker(engine, other_key)
    try:
        assert worker.deliver_due() == 0  # both concluded in the claim, neither sent
    finally:
        worker.stop()

    assert hook.requests == []
    log = deliveries(client, partner, subscription["id"])
    assert [(d["status"], d["last_error"], codes(d)) for d in log] == [
        ("failed", "the signing secret cannot be read (rotate it)", [None]),
        ("failed", "the event is no longer stored (erased, or older than the retention)", [None]),
    ]
    read = client.get(f"/v1/webhooks/{subscription['id']}", headers=partner).json()
    assert (read["status"], read["consecutive_failures"]) == ("disabled", 2)


def test_revoking_a_partner_key_disables_its_subscriptions_for_good(
    hook: Receiver,
    subscribe: Callable[..., dict[str, Any]],
    store: Callable[[CloudEvent], None],
    worker: DeliveryWorker,
    client: httpx.Client,
) -> None:
    leaving = create_key(client, "partner")
    revoked = subscribe(hook.url, "orders.order.*", headers=bearer(leaving["key"]))
    staying = subscribe(hook.url, "orders.order.*")
    store(status_changed(CONTACT))
    assert worker.deliver_due() == 2

    assert client.delete(f"/v1/api-keys/{leaving['id']}", headers=ADMIN).status_code == 204
    event = status_changed(CONTACT)
    store(event)
    assert worker.deliver_due() == 1  # only to the subscription whose key is valid
    [(headers, body)] = hook.of(event.id)
    assert verify(staying["secret"], headers["x-rapport-signature"], body, 60)

    read = client.get(f"/v1/webhooks/{revoked['id']}", headers=ADMIN).json()
    assert (read["status"], read["disabled_reason"]) == (
        "disabled",
        "Disabled: the API key that created it was revoked",
    )
    assert client.get(f"/v1/webhooks/{staying['id']}", headers=ADMIN).json()["status"] == "enabled"
    refused = client.patch(f"/v1/webhooks/{revoked['id']}", json={"enabled": True}, headers=ADMIN)
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "https://rapport.dev/problems/webhook-owner-revoked"
    # Revoking again changes nothing; the subscription stays as it was.
    assert client.delete(f"/v1/api-keys/{leaving['id']}", headers=ADMIN).status_code == 204
    assert (
        client.get(f"/v1/webhooks/{revoked['id']}", headers=ADMIN).json()["version"]
        == read["version"]
    )


def test_a_host_resolving_to_a_private_address_is_not_posted_to_when_public_only(
    hook: Receiver,
) -> None:
    # The receiver listens on 127.0.0.1; "localhost" names it without being a literal address.
    url = hook.url.replace("127.0.0.1", "localhost")
    with delivery.new_client(5.0) as http:
        refused = delivery.post(
            http, url, b"{}", event_id="e1", event_type="t", signing_secrets=["s"], public_only=True
        )
        sent = delivery.post(http, url, b"{}", event_id="e2", event_type="t", signing_secrets=["s"])
    assert refused.status_code is None
    assert refused.error is not None and refused.error.startswith("PrivateAddress: ")
    assert refused.verdict == "retry"
    assert sent.status_code == 200
    assert [h["x-rapport-event-id"] for h, _ in hook.requests] == ["e2"]
