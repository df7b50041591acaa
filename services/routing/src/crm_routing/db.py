"""The routing service's own metadata, with its outbox, idempotency and processed-event tables."""

from sqlmodel import SQLModel

from crm_common.consumer import processed_table
from crm_common.db import new_registry
from crm_common.http import idempotency_table
from crm_common.outbox import outbox_table


class RoutingBase(SQLModel, registry=new_registry()):
    """Base of every table of the routing service (never the global `SQLModel.metadata`)."""


Outbox = outbox_table(RoutingBase)
IdempotencyRecord = idempotency_table(RoutingBase)
ProcessedEvent = processed_table(RoutingBase)

SOURCE = "routing"
