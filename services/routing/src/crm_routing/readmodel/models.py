"""Local read models, fed only by `crm.contacts` and `crm.orders` events: the hot path of a ringing
call never asks another service."""

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Numeric
from sqlmodel import Field

from crm_common.db import UTCDateTime, utcnow
from crm_routing.db import RoutingBase

AMOUNT = Numeric(18, 4)


class KnownContact(RoutingBase, table=True):
    __tablename__ = "known_contacts"

    id: uuid.UUID = Field(primary_key=True)
    name: str | None = Field(default=None, max_length=620)
    owner_id: str | None = Field(default=None, max_length=200)
    # The agents assigned besides the owner (agent ids as text); they see its records as it does.
    assignee_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    lifecycle_stage: str = Field(max_length=20)
    merged_into_id: uuid.UUID | None = Field(default=None)
    version: int
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class KnownPhone(RoutingBase, table=True):
    """Phone (E.164) → contact; a number shared by several contacts goes to the latest one."""

    __tablename__ = "known_phones"

    number: str = Field(primary_key=True, max_length=32)
    contact_id: uuid.UUID = Field(primary_key=True, foreign_key="known_contacts.id")


class CustomerOrder(RoutingBase, table=True):
    __tablename__ = "customer_orders"

    id: uuid.UUID = Field(primary_key=True)
    contact_id: uuid.UUID = Field(index=True)
    number: str = Field(max_length=100)
    status: str = Field(max_length=20)
    currency: str = Field(max_length=3)
    total: Decimal = Field(sa_type=AMOUNT)
    categories: list[str] = Field(default_factory=list, sa_type=JSON)
    version: int
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CustomerOpportunity(RoutingBase, table=True):
    __tablename__ = "customer_opportunities"

    id: uuid.UUID = Field(primary_key=True)
    contact_id: uuid.UUID = Field(index=True)
    title: str = Field(max_length=500)
    stage: str = Field(max_length=200)
    amount: Decimal | None = Field(default=None, sa_type=AMOUNT)
    currency: str | None = Field(default=None, max_length=3)
    open: bool = Field(default=True)
    version: int
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class KnownConsent(RoutingBase, table=True):
    """A contact's latest consent for a purpose (email_marketing, sms, phone, profiling), as
    `contacts.consent.changed.v1` told it; an older change read again never replaces a newer one."""

    __tablename__ = "known_consents"

    contact_id: uuid.UUID = Field(primary_key=True)
    purpose: str = Field(primary_key=True, max_length=40)
    granted: bool
    source: str = Field(max_length=200)
    changed_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ErasedContact(RoutingBase, table=True):
    """One erasure (`contacts.contact.erased.v1`) carried out: confirmed once per request, and
    events about an erased contact read later never bring its data back."""

    __tablename__ = "erased_contacts"

    request_id: uuid.UUID = Field(primary_key=True)
    contact_id: uuid.UUID = Field(index=True)
    requested_at: datetime = Field(sa_type=UTCDateTime)
    erased_at: datetime = Field(sa_type=UTCDateTime)
    records: int = Field(description="Rows anonymised or deleted")
