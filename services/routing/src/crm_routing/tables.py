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
from crm_routing.web.models import EngagementRule, PageView, WebSession, WebVisitor

metadata = RoutingBase.metadata

__all__ = [
    "Agent",
    "Call",
    "CustomerOpportunity",
    "CustomerOrder",
    "EngagementRule",
    "IdempotencyRecord",
    "KnownContact",
    "KnownPhone",
    "Outbox",
    "PageView",
    "ProcessedEvent",
    "WebSession",
    "WebVisitor",
    "metadata",
]
