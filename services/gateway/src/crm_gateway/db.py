"""The gateway's own metadata (never the global `SQLModel.metadata`), its idempotency table and the
processed-event table of its consumers (the telephony webhook)."""

from sqlmodel import SQLModel

from crm_common.consumer import processed_table
from crm_common.db import new_registry
from crm_common.http import idempotency_table


class GatewayBase(SQLModel, registry=new_registry()):
    """Base of every table of the gateway."""


IdempotencyRecord = idempotency_table(GatewayBase)
ProcessedEvent = processed_table(GatewayBase)
