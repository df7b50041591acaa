"""Every table of the service, imported so that `OrdersBase.metadata` is complete."""

from crm_orders.catalog.models import Product
from crm_orders.db import IdempotencyRecord, OrdersBase, Outbox, ProcessedEvent
from crm_orders.erp.models import ErpStatusEvent
from crm_orders.numbering import Counter
from crm_orders.opportunities.models import Opportunity, StageEntry
from crm_orders.orders.models import Order, OrderLineRow, OrderStatusEntry
from crm_orders.pipelines.models import Pipeline
from crm_orders.privacy.models import ErasedContact
from crm_orders.quotes.models import Quote, SalesCounter
from crm_orders.readmodel.models import KnownAgent, KnownAssignee, KnownContact
from crm_orders.rules.models import PipelineRule, RuleTrigger

metadata = OrdersBase.metadata

__all__ = ["IdempotencyRecord", "Outbox", "ProcessedEvent", "metadata"]
__all__ += [
    "Opportunity",
    "Pipeline",
    "PipelineRule",
    "Quote",
    "RuleTrigger",
    "SalesCounter",
    "StageEntry",
]
__all__ += ["Counter", "ErpStatusEvent", "Order", "OrderLineRow", "OrderStatusEntry", "Product"]
__all__ += ["ErasedContact", "KnownAgent", "KnownAssignee", "KnownContact"]
