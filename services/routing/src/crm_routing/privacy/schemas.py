"""The export of what routing holds about a contact (its part of the data subject's export)."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from crm_common.money import Currency, Money


def _cents(value: Decimal) -> Decimal:
    """To the cent, unless finer digits were given (the read model keeps four decimals)."""
    cents = value.quantize(Decimal("0.01"))
    return cents if cents == value else value.normalize()


Amount = Annotated[Money, AfterValidator(_cents)]


class _Record(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ExportedContact(_Record):
    """The contact as the read models know it (and each contact merged into it)."""

    id: uuid.UUID
    name: str | None
    lifecycle_stage: str
    merged_into_id: uuid.UUID | None
    phones: list[str] = Field(description="E.164")


class ExportedOrder(_Record):
    id: uuid.UUID
    number: str
    status: str
    total: Amount
    currency: Currency
    categories: list[str]


class ExportedOpportunity(_Record):
    id: uuid.UUID
    title: str
    stage: str
    amount: Amount | None
    currency: Currency | None
    open: bool


class ExportedConsent(_Record):
    contact_id: uuid.UUID
    purpose: str
    granted: bool
    source: str
    changed_at: datetime


class ExportedCall(_Record):
    call_id: str
    status: str
    from_number: str | None
    to_number: str | None
    category: str | None
    agent_id: uuid.UUID | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None


class ExportedAttempt(_Record):
    number: int
    agent_id: uuid.UUID
    started_at: datetime
    outcome: str | None
    finished_at: datetime | None
    duration_seconds: float | None


class ExportedCallback(_Record):
    id: uuid.UUID
    purpose: str
    phone: str
    category: str | None
    note: str
    window_from: datetime
    window_to: datetime
    status: str
    cancel_reason: str | None
    created_at: datetime
    finished_at: datetime | None
    attempts: list[ExportedAttempt]


class ExportedMessage(_Record):
    author: str
    text: str
    sent_at: datetime


class ExportedChat(_Record):
    id: uuid.UUID
    session_id: str
    agent_id: uuid.UUID
    status: str
    opened_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    messages: list[ExportedMessage]


class ExportedPage(_Record):
    url: str
    category: str | None
    title: str | None
    occurred_at: datetime


class ExportedWebSession(_Record):
    session_id: str
    visitor_id: str
    page_views: int
    first_page_at: datetime
    last_page_at: datetime
    engaged_at: datetime | None
    category: str | None
    offer_type: str | None
    pages: list[ExportedPage]


class ExportedDevice(_Record):
    visitor_id: str
    first_seen_at: datetime
    last_seen_at: datetime


class RoutingData(BaseModel):
    contacts: list[ExportedContact] = Field(description="The contact and those merged into it")
    consents: list[ExportedConsent]
    orders: list[ExportedOrder] = Field(description="Order summaries the read model keeps")
    opportunities: list[ExportedOpportunity]
    calls: list[ExportedCall]
    callbacks: list[ExportedCallback]
    chats: list[ExportedChat] = Field(description="Chats with every message")
    web_sessions: list[ExportedWebSession] = Field(description="Web sessions with their pages")
    devices: list[ExportedDevice] = Field(description="Web visitor ids last seen with the contact")


class ContactExport(BaseModel):
    """Routing's part of a data subject's export: everything it holds about the person."""

    service: Literal["routing"] = "routing"
    contact_id: uuid.UUID
    data: RoutingData
