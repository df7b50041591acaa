"""Input types and checks shared by the API schemas: storable text, phone numbers, SIP URIs."""

import re
from typing import Annotated

import phonenumbers
from pydantic import AfterValidator, StringConstraints

# Re-exported: the service's schemas take them from here.
from crm_common.validation import Timestamp as Timestamp  # noqa: PLC0414
from crm_common.validation import clean_text as clean_text  # noqa: PLC0414

WITHHELD = frozenset({"", "anonymous", "withheld", "private", "unknown", "restricted"})
_SIP = re.compile(r"^sips?:[A-Za-z0-9._~+\-!$&'()*,;=%]+(@[A-Za-z0-9.\-]+(:\d{1,5})?)?$")
_PHONE_CHARS = re.compile(r"^[0-9 +().\-/]{3,40}$")


def _text(max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


Name = Annotated[str, _text(200), AfterValidator(clean_text)]
Label = Annotated[str, _text(100), AfterValidator(clean_text)]
CallId = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:@\-]+$")
]


def e164(raw: str, region: str) -> str:
    """`raw` as an E.164 number; ValueError when it is not a valid phone number."""
    text = raw.strip()
    if text.startswith("tel:"):
        text = text[4:]
    if not _PHONE_CHARS.match(text):
        raise ValueError("not a phone number")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def extension(raw: str, region: str) -> str:
    """An agent's extension: a sip: URI as given, or a phone number in E.164."""
    text = raw.strip()
    if text.lower().startswith(("sip:", "sips:")):
        if len(text) > 300 or not _SIP.match(text):
            raise ValueError("not a valid SIP URI")
        return text
    return e164(text, region)


def caller_number(raw: str | None, region: str) -> str | None:
    """The caller's number in E.164, or None when it is withheld."""
    if raw is None or raw.strip().lower() in WITHHELD:
        return None
    return e164(raw, region)
