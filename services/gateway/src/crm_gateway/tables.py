"""Every table of the gateway on one metadata, for migrations and drift checks."""

from crm_gateway.db import GatewayBase, IdempotencyRecord, ProcessedEvent
from crm_gateway.keys.models import ApiKey

metadata = GatewayBase.metadata

__all__ = ["ApiKey", "IdempotencyRecord", "ProcessedEvent", "metadata"]
