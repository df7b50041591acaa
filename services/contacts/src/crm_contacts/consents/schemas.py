"""API schemas of consents."""

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, StrictBool

from crm_contacts.validation import Identifier


class Purpose(StrEnum):
    """The purposes a contact can consent to."""

    email_marketing = "email_marketing"
    sms = "sms"
    phone = "phone"
    profiling = "profiling"


class ConsentSet(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"granted": True, "source": "web-form"}]}
    )

    granted: StrictBool
    source: Identifier


class ConsentRead(BaseModel):
    """The current consent for one purpose; `granted` is null when the contact was never asked."""

    purpose: Purpose
    granted: bool | None
    source: str | None
    changed_at: datetime | None
    version: int


class ConsentChangeRead(BaseModel):
    purpose: Purpose
    granted: bool
    source: str
    changed_at: datetime


class ConsentOverview(BaseModel):
    contact_id: uuid.UUID
    purposes: list[ConsentRead]
    history: list[ConsentChangeRead]
