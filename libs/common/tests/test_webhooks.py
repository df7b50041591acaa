"""Webhook signatures: what `sign` produces and what `verify` accepts (pure: no I/O)."""

import hashlib
import hmac

import pytest

from crm_common.webhooks import sign, verify

SECRET = "whsec-test-0123456789abcdef0123456789"
BODY = b'{"id":"0190a000-0000-7000-8000-000000000001","type":"routing.call.assigned.v1"}'
T = 1_790_000_000


def test_sign_is_the_hmac_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()

    assert sign(SECRET, BODY, T) == f"t={T},v1={expected}"


def test_a_fresh_signature_verifies() -> None:
    header = sign(SECRET, BODY, T)

    assert verify(SECRET, header, BODY, tolerance_seconds=300, now=T + 299)
    assert verify(SECRET, header, BODY, tolerance_seconds=300, now=T - 299)


def test_a_stale_signature_is_refused() -> None:
    header = sign(SECRET, BODY, T)

    assert not verify(SECRET, header, BODY, tolerance_seconds=300, now=T + 301)
    assert not verify(SECRET, header, BODY, tolerance_seconds=300, now=T - 301)


def test_another_body_or_secret_is_refused() -> None:
    header = sign(SECRET, BODY, T)

    assert not verify(SECRET, header, BODY + b" ", now=T)
    assert not verify(SECRET + "x", header, BODY, now=T)


def test_a_changed_timestamp_is_refused() -> None:
    digest = sign(SECRET, BODY, T).split(",v1=")[1]

    assert not verify(SECRET, f"t={T + 1},v1={digest}", BODY, now=T)


def test_any_of_several_signatures_may_match_while_a_secret_is_rotated() -> None:
    old = sign("old-secret", BODY, T).split(",v1=")[1]
    new = sign(SECRET, BODY, T).split(",v1=")[1]

    assert verify(SECRET, f"t={T},v1={old},v1={new}", BODY, now=T)
    assert verify("old-secret", f"t={T},v1={old},v1={new}", BODY, now=T)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "garbage",
        f"v1={'0' * 64}",
        f"t={T}",
        f"t=abc,v1={'0' * 64}",
        f"t=-{T},v1={'0' * 64}",
        f"t={T},t={T},v1={'0' * 64}",
        f"t={T},v1={'0' * 64}",
    ],
)
def test_a_missing_or_malformed_header_is_refused(header: str | None) -> None:
    assert not verify(SECRET, header, BODY, now=T)


def test_an_empty_secret_neither_signs_nor_verifies() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        sign("", BODY, T)
    assert not verify("", sign(SECRET, BODY, T), BODY, now=T)
