"""Schemas of composed documents: the 360° view and the personal-data export."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class MissingPart(BaseModel):
    service: str
    sections: list[str]
    reason: str


class Contact360(BaseModel):
    """Everything staff need about a contact at a glance, from every service at once. A section
    whose service did not answer is null and listed in `incomplete`."""

    contact_id: uuid.UUID
    complete: bool = Field(description="False when a service did not answer")
    incomplete: list[MissingPart]
    generated_at: datetime
    contact: dict[str, Any] | None = Field(description="The contact (contacts)")
    timeline: list[dict[str, Any]] | None = Field(description="Latest interactions (contacts)")
    tasks: list[dict[str, Any]] | None = Field(description="Its tasks (contacts)")
    consents: dict[str, Any] | None = Field(description="Consents per purpose (contacts)")
    loyalty: dict[str, Any] | None = Field(description="Loyalty account (contacts)")
    orders: list[dict[str, Any]] | None = Field(description="Latest orders (orders)")
    opportunities: list[dict[str, Any]] | None = Field(description="Its deals (orders)")
    callbacks: list[dict[str, Any]] | None = Field(description="Its callbacks (routing)")


class PersonalDataExport(BaseModel):
    """Everything Rapport holds about one person, gathered from every service."""

    contact_id: uuid.UUID
    exported_at: datetime
    services: dict[str, dict[str, Any]] = Field(
        description="Per service, the data it holds about the person (contacts, orders, routing, "
        "and the gateway's record of who reached it)"
    )
