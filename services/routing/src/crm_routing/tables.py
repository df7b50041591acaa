"""Every table of the service, imported so that `RoutingBase.metadata` is complete."""

from crm_routing.agents.models import Agent
from crm_routing.calls.models import Call
from crm_routing.db import IdempotencyRecord, Outbox, ProcessedEvent, RoutingBase
from crm_routing.readmodel.models import (
    CustomerOpportunity,
    CustomerOrder,
    KnownContact,
    KnownPhone,
)

metadata = RoutingBase.metadata

__all__ = [
    "Agent",
    "Call",
    "CustomerOpportunity",
    "CustomerOrder",
    "IdempotencyRecord",
    "KnownContact",
    "KnownPhone",
    "Outbox",
    "ProcessedEvent",
    "metadata",
]
