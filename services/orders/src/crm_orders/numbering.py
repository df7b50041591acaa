"""Named counters for human-readable numbers (orders R-000123; quotes may use their own name).

One upsert per number: `INSERT ... ON CONFLICT DO UPDATE SET value = value + 1 RETURNING value`, on
SQLite and PostgreSQL alike; the row lock (PostgreSQL) or the write lock (SQLite) keeps numbers
unique, and a rolled-back transaction gives its number back.
"""

import functools
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Field, Session

from crm_common.db import conflict_insert, table_of
from crm_orders.db import OrdersBase


class Counter(OrdersBase, table=True):
    __tablename__ = "counters"

    name: str = Field(primary_key=True, max_length=50)
    value: int = Field(default=0)


def next_value(session: Session, name: str) -> int:
    """The next value of counter `name` (1 for a new counter)."""
    stmt = _upsert(session.get_bind().dialect.name)
    return int(session.connection().execute(stmt, {"counter": name}).scalar_one())


@functools.cache
def _upsert(dialect: str) -> Any:
    """The upsert for `dialect`, built once (the counter's name is a parameter)."""
    counters = table_of(Counter)
    insert = conflict_insert(dialect)
    return (
        insert(counters)
        .values(name=bindparam("counter"), value=1)
        .on_conflict_do_update(
            index_elements=[counters.c.name], set_={"value": counters.c.value + 1}
        )
        .returning(counters.c.value)
    )
