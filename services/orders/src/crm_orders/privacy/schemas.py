"""The orders service's part of a contact's data export: everything it holds about the person,
as staff see it (admins) or as the customer sees it (the customer's own token)."""

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from crm_orders.me.schemas import MyOpportunityRead, MyOrderRead, MyQuoteRead
from crm_orders.opportunities.schemas import OpportunityRead
from crm_orders.orders.schemas import OrderRead
from crm_orders.quotes.schemas import QuoteRead


class StaffExportData(BaseModel):
    orders: list[OrderRead] = Field(description="With lines, status history and tracking")
    quotes: list[QuoteRead]
    opportunities: list[OpportunityRead]


class CustomerExportData(BaseModel):
    orders: list[MyOrderRead] = Field(description="With lines, status history and tracking")
    quotes: list[MyQuoteRead] = Field(description="The quotes the customer was sent")
    opportunities: list[MyOpportunityRead]


class ContactExport(BaseModel):
    service: Literal["orders"] = "orders"
    contact_id: uuid.UUID
    data: StaffExportData | CustomerExportData
