"""API schemas of a customer's own data: the customer view of the contact, and what they may change."""

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from crm_contacts.contacts.schemas import (
    MAX_POINTS,
    Address,
    EmailIn,
    EmailRead,
    Kind,
    PhoneIn,
    PhoneRead,
    Preferences,
)
from crm_contacts.validation import Name


class MeRead(BaseModel):
    """Your contact data as you may see and correct it (no internal fields)."""

    id: uuid.UUID
    kind: Kind
    first_name: str | None
    last_name: str | None
    organization_name: str | None
    emails: list[EmailRead]
    phones: list[PhoneRead]
    address: Address | None
    preferences: dict[str, Any]
    version: int


class MeUpdate(BaseModel):
    """Changes to your data; fields left out stay as they are, lists and `preferences` are
    replaced. Any other field is refused."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "last_name": "King",
                    "address": {
                        "line1": "1 Main St",
                        "postal_code": "10115",
                        "city": "Berlin",
                        "country": "DE",
                    },
                    "preferences": {"language": "de", "channel": "email"},
                }
            ]
        },
    )

    first_name: Name | None = None
    last_name: Name | None = None
    organization_name: Name | None = None
    # Defaults are never applied (only the fields sent change), so a null list or preferences is
    # refused as the wrong type, with a plain field path.
    emails: list[EmailIn] = Field(
        default_factory=list, max_length=MAX_POINTS, description="Replaces the list when sent"
    )
    phones: list[PhoneIn] = Field(
        default_factory=list, max_length=MAX_POINTS, description="Replaces the list when sent"
    )
    address: Address | None = None
    preferences: Preferences = Field(default_factory=dict)


class MeConsentSet(BaseModel):
    """Your consent for one purpose; recorded with the source "customer"."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"granted": True}]})

    granted: StrictBool
