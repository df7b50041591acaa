"""Every table of the service, imported so that `RoutingBase.metadata` is complete."""

from crm_routing.agents.models import Agent
from crm_routing.callbacks.models import Callback, CallbackAttempt
from crm_routing.calls.models import Call
from crm_routing.chats.models import Chat, ChatMessage
from crm_routing.db import IdempotencyRecord, Outbox, ProcessedEvent, RoutingBase
from crm_routing.feed.models import AgentFeedItem
from crm_routing.readmodel.models import (
    CustomerOpportunity,
    CustomerOrder,
    KnownContact,
    KnownPhone,
)
from crm_routing.stats.models import calls_started_at
from crm_routing.web.models import EngagementRule, PageView, WebSession, WebVisitor

metadata = RoutingBase.metadata

__all__ = [
    "Agent",
    "AgentFeedItem",
    "Call",
    "Callback",
    "CallbackAttempt",
    "Chat",
    "ChatMessage",
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
    "calls_started_at",
    "metadata",
]
