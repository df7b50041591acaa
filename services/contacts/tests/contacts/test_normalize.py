"""Phone and email normalisation (pure, no database)."""

import pytest

from crm_contacts.contacts.normalize import (
    InvalidContactPoint,
    normalize_email,
    normalize_phone,
    phone_search_digits,
)


@pytest.mark.parametrize(
    "raw",
    [
        "+14155550123",
        "(415) 555-0123",
        "415.555.0123",
        "415 555 0123",
        "001 415 555 0123",
        "tel:+1-415-555-0123",
        "+1 415-555-0123",
        "  +1 (415) 555-0123  ",
    ],
)
def test_us_number_formats_normalise_to_e164(raw: str) -> None:
    assert normalize_phone(raw, "US") == "+14155550123"


def test_national_numbers_are_read_in_the_default_region() -> None:
    assert normalize_phone("020 7946 0958", "GB") == "+442079460958"
    with pytest.raises(InvalidContactPoint):
        normalize_phone("020 7946 0958", "US")


def test_international_numbers_keep_their_country() -> None:
    assert normalize_phone("+44 20 7946 0958", "US") == "+442079460958"
    assert normalize_phone("011 44 20 7946 0958", "US") == "+442079460958"
    assert normalize_phone("0044 20 7946 0958", "US") == "+442079460958"


@pytest.mark.parametrize(
    "raw", ["", "   ", "hello", "12", "+1 415 555", "+999999", "1" * 65, "a\x00b"]
)
def test_non_numbers_are_refused(raw: str) -> None:
    with pytest.raises(InvalidContactPoint):
        normalize_phone(raw, "US")


def test_emails_are_lower_cased() -> None:
    assert normalize_email("Ada.Lovelace@Example.COM") == "ada.lovelace@example.com"
    assert normalize_email("  bob@sub.example.org ") == "bob@sub.example.org"


def test_emails_are_checked_for_syntax_without_dns() -> None:
    assert normalize_email("someone@no-such-domain-for-rapport-tests.com") == (
        "someone@no-such-domain-for-rapport-tests.com"
    )


@pytest.mark.parametrize(
    "raw", ["nope", "a@b", "a..b@example.com", "@example.com", "x@localhost", "a\x00@x.com"]
)
def test_bad_emails_are_refused(raw: str) -> None:
    with pytest.raises(InvalidContactPoint):
        normalize_email(raw)


def test_search_digits_only_for_number_like_text() -> None:
    assert phone_search_digits("+1 (415) 555") == "1415555"
    assert phone_search_digits("415.555") == "415555"
    assert phone_search_digits("Ada 415") is None
    assert phone_search_digits("12") is None
