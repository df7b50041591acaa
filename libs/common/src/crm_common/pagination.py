"""Cursor (keyset) pagination: every row exactly once, even while rows are added."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import and_, or_
from sqlmodel import Session
from sqlmodel.sql.expression import SelectOfScalar

from crm_common.errors import BadRequest, FieldError, Unprocessable

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")]
CursorQuery = Annotated[
    str | None,
    Query(max_length=512, description="Opaque cursor from the previous page's next_cursor"),
]


Paged = tuple[list[R], str | None]
"""What `keyset_page` returns: one page of rows and the cursor of the next (None at the end)."""


class Page(BaseModel, Generic[T]):
    """One page of a list; pass `next_cursor` back as `cursor` for the next page (null at the end)."""

    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True)
class SortKey:
    """A model attribute to order by (as given by sqlmodel's `col()` or the class attribute)."""

    column: Any
    descending: bool = False


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _decode_value(raw: Any, column: Any) -> Any:
    try:
        python_type = column.type.python_type
    except NotImplementedError:  # pragma: no cover - every key column has a python type
        return raw
    if raw is None:
        raise ValueError("a cursor holds no nulls")
    if python_type is datetime:
        value = datetime.fromisoformat(raw)
        if value.tzinfo is None:
            raise ValueError("a cursor's timestamps carry their offset")
        return value.astimezone(UTC)
    if python_type is uuid.UUID:
        return uuid.UUID(raw)
    if python_type is int:
        return int(raw)
    return python_type(raw)


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, keys: Sequence[SortKey]) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError("wrong shape")
        return [_decode_value(v, k.column) for v, k in zip(values, keys, strict=True)]
    # AttributeError: uuid.UUID(5); OverflowError: a timestamp that leaves the calendar in UTC.
    except (ValueError, TypeError, AttributeError, OverflowError, binascii.Error) as exc:
        raise Unprocessable(
            "The cursor is not one this list returned.",
            errors=[
                FieldError(field="query.cursor", message="invalid cursor", code="invalid_cursor")
            ],
        ) from exc


def keyset_page(
    session: Session,
    stmt: SelectOfScalar[R],
    keys: Sequence[SortKey],
    limit: int,
    cursor: str | None,
) -> Paged[R]:
    """Run `stmt` ordered by `keys` (the last key must be unique) from `cursor`, one page long."""
    if limit < 1:
        raise BadRequest("limit must be at least 1")
    if cursor:
        values = decode_cursor(cursor, keys)
        clauses = []
        for i, key in enumerate(keys):
            equal = [keys[j].column == values[j] for j in range(i)]
            step = key.column < values[i] if key.descending else key.column > values[i]
            clauses.append(and_(*equal, step))
        stmt = stmt.where(or_(*clauses))
    stmt = stmt.order_by(*[k.column.desc() if k.descending else k.column.asc() for k in keys])
    rows = list(session.exec(stmt.limit(limit + 1)).all())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor([getattr(last, k.column.key) for k in keys])
