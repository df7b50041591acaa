"""The orders service's own metadata, with its outbox, idempotency and processed-event tables."""

from sqlmodel import Session, SQLModel

from crm_common.consumer import processed_table
from crm_common.db import new_registry
from crm_common.http import idempotency_table
from crm_common.outbox import outbox_table


class OrdersBase(SQLModel, registry=new_registry()):
    """Base of every table of the orders service (never the global `SQLModel.metadata`)."""


Outbox = outbox_table(OrdersBase)
IdempotencyRecord = idempotency_table(OrdersBase)
ProcessedEvent = processed_table(OrdersBase)


def read_only(session: Session) -> None:
    """Begin `session`'s transaction as a reader when it has not begun yet: on SQLite a deferred
    BEGIN, which neither takes nor waits for the write lock that `crm_common.db` takes for the
    request session of every POST (one that only computes, as the configurator's, needs none);
    nothing on PostgreSQL. Call it before the request's first statement."""
    if session.get_transaction() is None and session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={"sqlite_immediate": False})
