"""Keyset pages via crm_common.pagination, refusing forged cursors with a 422 instead of a 500.

`crm_common.pagination.decode_cursor` lets AttributeError through (e.g. a cursor holding a JSON
number where a UUID belongs) and accepts naive or out-of-range datetimes, which then fail when bound
to a UTCDateTime column. The cursor is therefore checked here first.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from sqlmodel import Session
from sqlmodel.sql.expression import SelectOfScalar

from crm_common.errors import FieldError, Unprocessable
from crm_common.pagination import SortKey, decode_cursor, keyset_page
from crm_contacts.validation import to_utc

R = TypeVar("R")

Paged = tuple[list[R], str | None]


def page(
    session: Session,
    stmt: SelectOfScalar[R],
    keys: Sequence[SortKey],
    limit: int,
    cursor: str | None,
) -> Paged[R]:
    if cursor:
        _check_cursor(cursor, keys)
    return keyset_page(session, stmt, keys, limit, cursor)


def _check_cursor(cursor: str, keys: Sequence[SortKey]) -> None:
    try:
        values = decode_cursor(cursor, keys)
        for value in values:
            if isinstance(value, datetime):
                if value.tzinfo is None:
                    raise ValueError("naive datetime")
                to_utc(value)
    except (AttributeError, TypeError, ValueError) as exc:
        raise Unprocessable(
            "The cursor is not one this list returned.",
            errors=[FieldError(field="query.cursor", message="invalid cursor", code="invalid_cursor")],
        ) from exc
