"""Contact points in canonical form: phone numbers in E.164, email addresses lower-cased.

Pure functions without I/O; each raises `InvalidContactPoint` with a message fit for the caller.
"""

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

MAX_PHONE_INPUT = 64
_PHONE_CHARS = re.compile(r"[0-9 +().\-/]+")


class InvalidContactPoint(ValueError):
    """The text is not a usable phone number or email address."""


def normalize_phone(raw: str, default_region: str) -> str:
    """`raw` as an E.164 number, read in `default_region` when it has no country code.

    Accepts the usual ways of writing a number: "+14155550123", "(415) 555-0123", "415.555.0123",
    "tel:+1-415-555-0123", and "00" international prefixes such as "001 415 555 0123" that the
    region's own dialling rules would not read.
    """
    text = raw.strip()
    if not text or len(text) > MAX_PHONE_INPUT:
        raise InvalidContactPoint("not a phone number")
    number = _parse_valid(text, default_region)
    if number is None and text.startswith("00"):
        number = _parse_valid("+" + text[2:], default_region)
    if number is None:
        raise InvalidContactPoint("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parse_valid(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def normalize_email(raw: str) -> str:
    """`raw` checked for syntax only (no DNS) and lower-cased."""
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidContactPoint(str(exc)) from exc
    return result.normalized.lower()


def phone_search_digits(query: str) -> str | None:
    """The digits of `query` when it looks like (part of) a phone number, else None.

    "+1 (415) 555" gives "1415555", which is a substring of the stored "+14155550123".
    """
    text = query.strip()
    if not _PHONE_CHARS.fullmatch(text):
        return None
    digits = "".join(ch for ch in text if ch in "0123456789")
    return digits if len(digits) >= 3 else None
