"""API schemas of data rights: consent purposes, erasure requests, the export of a person's data."""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from crm_contacts.consents.schemas import ConsentOverview, Purpose
from crm_contacts.contacts.schemas import ContactRead, PartnerContactRead
from crm_contacts.interactions.schemas import InteractionRead
from crm_contacts.tasks.schemas import TaskRead

ErasureStatus = Literal["in_progress", "completed"]
ServiceErasureStatus = Literal["pending", "completed"]


class PurposeRead(BaseModel):
    """A consent purpose as customers are told about it."""

    purpose: Purpose
    title: str
    description: str = Field(description="Why the data is collected and how it is used")
    data_used: list[str] = Field(description="The kinds of data the purpose uses")


class PurposeList(BaseModel):
    purposes: list[PurposeRead]


class ServiceErasure(BaseModel):
    """One service's part of an erasure: completed once it confirmed."""

    service: str
    status: ServiceErasureStatus
    completed_at: datetime | None


class ErasureRead(BaseModel):
    """An erasure request: `completed` once every service confirmed its part."""

    id: uuid.UUID
    contact_id: uuid.UUID
    status: ErasureStatus
    requested_at: datetime
    completed_at: datetime | None
    services: list[ServiceErasure]


class MergedContact(BaseModel):
    """A contact merged into the exported one, as this service still holds it."""

    merged_at: datetime | None
    contact: ContactRead | PartnerContactRead


class ContactData(BaseModel):
    contact: ContactRead | PartnerContactRead = Field(
        description="`rating` and `staff_comments` only for admins"
    )
    interactions: list[InteractionRead] = Field(description="The whole timeline, newest first")
    tasks: list[TaskRead]
    consents: ConsentOverview
    loyalty: dict[str, Any] = Field(description="The loyalty account and every entry")
    merged_contacts: list[MergedContact]


class ContactExport(BaseModel):
    """Everything the contacts service holds about one person."""

    service: Literal["contacts"] = "contacts"
    contact_id: uuid.UUID
    data: ContactData
