"""The pure rules of partner webhooks: type patterns, which contact an event is about, backoff,
what an answer means, secrets and signatures."""

import uuid
from datetime import UTC, datetime

import pytest

from crm_common.events.envelope import CloudEvent
from crm_common.webhooks import verify
from crm_gateway.webhooks.consumer import contact_of
from crm_gateway.webhooks.delivery import Attempt, backoff_seconds, private_address
from crm_gateway.webhooks.matching import matches, pattern_problem
from crm_gateway.webhooks.signing import (
    SecretUnreadable,
    new_secret,
    open_secret,
    seal_secret,
    signature,
)

from .support import consent_changed, erased, status_changed

CONTACT = uuid.UUID("0190a000-0000-7000-8000-00000000c0c0")


@pytest.mark.parametrize(
    ("pattern", "event_type", "expected"),
    [
        ("orders.order.placed.v1", "orders.order.placed.v1", True),
        ("orders.order.placed.v1", "orders.order.placed.v2", False),
        ("orders.order.*", "orders.order.status_changed.v1", True),
        ("orders.order.*", "orders.opportunity.won.v1", False),
        ("orders.*", "orders.opportunity.won.v1", True),
        ("*", "routing.call.ended.v1", True),
        ("orders.order_*", "orders.order.placed.v1", False),
    ],
)
def test_patterns_match_exact_types_and_prefixes(
    pattern: str, event_type: str, expected: bool
) -> None:
    assert matches(pattern, event_type) is expected


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("orders.order.placed.v1", None),
        ("routing.web_session.*", None),
        ("*", None),
        ("orders.order.eaten.v1", "is not a known event type"),
        ("gateway.webhook.test.v1", "is not a known event type"),
        ("billing.*", "matches no known event type"),
        ("orders.*.v1", "a `*` may only end a pattern"),
    ],
)
def test_a_pattern_must_name_a_known_type(pattern: str, problem: str | None) -> None:
    assert pattern_problem(pattern) == problem


def envelope(event_type: str, data: dict[str, object], subject: str = "s-1") -> CloudEvent:
    return CloudEvent(source="test", type=event_type, subject=subject, data=data)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (status_changed(CONTACT), CONTACT),
        (consent_changed(CONTACT), CONTACT),
        (envelope("orders.order.placed.v1", {"order": {"contact_id": str(CONTACT)}}), CONTACT),
        (envelope("orders.quote.sent.v1", {"quote": {"contact_id": str(CONTACT)}}), CONTACT),
        (
            envelope("orders.opportunity.won.v1", {"opportunity": {"contact_id": str(CONTACT)}}),
            CONTACT,
        ),
        (envelope("contacts.contact.updated.v1", {"contact": {}}, str(CONTACT)), CONTACT),
        (envelope("routing.call.ended.v1", {"contact_id": None, "call_id": "c-1"}), None),
        (envelope("orders.product.created.v1", {"product": {"id": "p"}}, str(CONTACT)), None),
        (envelope("contacts.task.created.v1", {"contact_id": "not-a-uuid"}), None),
        (erased(CONTACT), None),
        (envelope("orders.erasure.completed.v1", {"contact_id": str(CONTACT)}), None),
    ],
)
def test_the_contact_an_event_is_about(event: CloudEvent, expected: uuid.UUID | None) -> None:
    assert contact_of(event) == expected


def test_backoff_doubles_up_to_its_maximum_with_jitter_in_the_upper_half() -> None:
    assert [backoff_seconds(n, 10, 3600, lambda: 1.0) for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert [backoff_seconds(n, 10, 3600, lambda: 0.0) for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert backoff_seconds(12, 10, 3600, lambda: 1.0) == 3600
    assert backoff_seconds(500, 10, 3600, lambda: 0.5) == 2700


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, "delivered"),
        (204, "delivered"),
        (301, "failed"),
        (400, "failed"),
        (401, "failed"),
        (404, "failed"),
        (408, "retry"),
        (429, "retry"),
        (500, "retry"),
        (503, "retry"),
        (None, "retry"),
    ],
)
def test_what_an_answer_means(status: int | None, verdict: str) -> None:
    assert Attempt(status, None if status else "ReadTimeout: timed out", 1.0).verdict == verdict


def test_secrets_are_sealed_under_a_fresh_nonce_and_opened_only_with_the_same_key() -> None:
    secret = new_secret()
    first, second = seal_secret(secret, "k" * 40), seal_secret(secret, "k" * 40)

    assert first != second
    assert secret not in first
    assert open_secret(first, "k" * 40) == open_secret(second, "k" * 40) == secret
    with pytest.raises(SecretUnreadable):
        open_secret(first, "other" * 8)


def test_a_signature_carries_one_v1_per_secret() -> None:
    body, t = b'{"id":"e-1"}', int(datetime.now(UTC).timestamp())

    header = signature(["whsec_new", "whsec_old"], body, t)

    assert header.startswith(f"t={t},v1=")
    assert header.count(",v1=") == 2
    assert verify("whsec_new", header, body)
    assert verify("whsec_old", header, body)
    assert not verify("whsec_other", header, body)
    assert not verify("whsec_new", header, body + b" ")


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("https://localhost/hook", True),
        ("https://127.0.0.1:8443/hook", True),
        ("https://10.1.2.3/hook", True),
        ("https://[::1]/hook", True),
        ("https://169.254.169.254/latest/meta-data", True),
        ("https://93.184.215.14/hook", False),
        ("https://[2606:4700::1111]/hook", False),
        ("https://no-such-host.invalid/hook", False),  # left to the POST to report
    ],
)
def test_a_host_off_the_public_internet_is_named(url: str, refused: bool) -> None:
    assert (private_address(url) is not None) is refused
