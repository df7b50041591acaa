"""Every table of the gateway on one metadata, for migrations and drift checks."""

from crm_gateway.audit.models import AuditEntry
from crm_gateway.customers.models import CustomerTokenRevocation
from crm_gateway.db import GatewayBase, IdempotencyRecord, ProcessedEvent
from crm_gateway.keys.models import ApiKey
from crm_gateway.webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

metadata = GatewayBase.metadata

__all__ = [
    "ApiKey",
    "AuditEntry",
    "CustomerTokenRevocation",
    "IdempotencyRecord",
    "ProcessedEvent",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
    "metadata",
]
