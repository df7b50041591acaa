"""Validated input types every API shares: storable text and UTC timestamps.

Every string that reaches a database must be free of NUL characters and lone surrogates
(PostgreSQL and UTF-8 cannot store them), so such input is a 422 and never a 500.
"""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

MIN_YEAR = 1900
MAX_YEAR = 2999


def clean_text(value: str) -> str:
    """`value` unchanged when a database can store it; ValueError otherwise."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text") from exc
    return value


def to_utc(value: datetime) -> datetime:
    """A timezone-aware `value` in UTC, refusing years outside MIN_YEAR..MAX_YEAR."""
    try:
        value = value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("timestamp out of range") from exc
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"timestamp must fall between the years {MIN_YEAR} and {MAX_YEAR}")
    return value


Timestamp = Annotated[AwareDatetime, AfterValidator(to_utc)]
"""An RFC 3339 timestamp with its offset, in UTC; one without an offset is a 422."""
