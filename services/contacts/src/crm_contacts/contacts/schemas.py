"""API schemas of contacts (distinct from the tables)."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from crm_contacts.validation import (
    Comment,
    Identifier,
    JsonObject,
    Label,
    Name,
    Tag,
)

Kind = Literal["person", "organization"]
LifecycleStage = Literal["lead", "prospect", "customer", "inactive"]

MAX_POINTS = 20
MAX_TAGS = 50
STAFF_FIELDS = frozenset({"rating", "staff_comments"})


class EmailIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str = Field(
        min_length=1,
        max_length=320,
        description="Checked for syntax (no DNS look-up) and lower-cased",
        examples=["ada@example.com"],
        json_schema_extra={"format": "email"},
    )
    label: Label | None = Field(default=None, description='e.g. "work", "home"')


class PhoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(
        min_length=1,
        max_length=64,
        description="Any usual formatting; stored in E.164 (national numbers read in the "
        "service's default region)",
        examples=["+14155550123", "(415) 555-0123"],
    )
    label: Label | None = Field(default=None, description='e.g. "mobile", "office"')


class ContactCreate(BaseModel):
    """A new person (needs a first or last name) or organisation (needs organization_name)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "person",
                    "first_name": "Ada",
                    "last_name": "Lovelace",
                    "emails": [{"address": "ada@example.com", "label": "work"}],
                    "phones": [{"number": "(415) 555-0123", "label": "mobile"}],
                    "lifecycle_stage": "prospect",
                    "tags": ["vip"],
                    "attributes": {"preferred_language": "en"},
                    "rating": 4,
                    "staff_comments": "Prefers calls in the morning",
                },
                {"kind": "organization", "organization_name": "Acme Inc."},
            ]
        },
    )

    kind: Kind
    first_name: Name | None = None
    last_name: Name | None = None
    organization_name: Name | None = None
    organization_id: uuid.UUID | None = Field(
        default=None, description="The organisation contact this person belongs to"
    )
    emails: list[EmailIn] = Field(default_factory=list, max_length=MAX_POINTS)
    phones: list[PhoneIn] = Field(default_factory=list, max_length=MAX_POINTS)
    owner_id: Identifier | None = None
    lifecycle_stage: LifecycleStage = "lead"
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    attributes: JsonObject = Field(default_factory=dict)
    rating: int | None = Field(default=None, ge=1, le=5, description="Staff only")
    staff_comments: Comment | None = Field(default=None, description="Staff only")


# Fields that may be left out of an update but never set to null (hence no null in their schema).
_NOT_NULL = ("kind", "lifecycle_stage", "emails", "phones", "tags", "attributes")


class ContactUpdate(BaseModel):
    """Changes to apply; fields left out stay as they are. Lists and `attributes` are replaced."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"lifecycle_stage": "customer", "phones": [{"number": "+14155550123"}]}]
        },
    )

    kind: Kind | SkipJsonSchema[None] = None
    first_name: Name | None = None
    last_name: Name | None = None
    organization_name: Name | None = None
    organization_id: uuid.UUID | None = None
    emails: Annotated[list[EmailIn], Field(max_length=MAX_POINTS)] | SkipJsonSchema[None] = None
    phones: Annotated[list[PhoneIn], Field(max_length=MAX_POINTS)] | SkipJsonSchema[None] = None
    owner_id: Identifier | None = None
    lifecycle_stage: LifecycleStage | SkipJsonSchema[None] = None
    tags: Annotated[list[Tag], Field(max_length=MAX_TAGS)] | SkipJsonSchema[None] = None
    attributes: JsonObject | SkipJsonSchema[None] = None
    rating: int | None = Field(default=None, ge=1, le=5, description="Staff only")
    staff_comments: Comment | None = Field(default=None, description="Staff only")

    @field_validator(*_NOT_NULL, mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out but not null")
        return value


class EmailRead(BaseModel):
    address: str
    label: str | None = None


class PhoneRead(BaseModel):
    number: str = Field(description="E.164")
    label: str | None = None


class PartnerContactRead(BaseModel):
    """A contact as every allowed caller sees it."""

    id: uuid.UUID
    kind: Kind
    first_name: str | None
    last_name: str | None
    organization_name: str | None
    organization_id: uuid.UUID | None
    emails: list[EmailRead]
    phones: list[PhoneRead]
    owner_id: str | None
    lifecycle_stage: LifecycleStage
    tags: list[str]
    attributes: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime


class ContactRead(PartnerContactRead):
    """A contact; `rating` and `staff_comments` are present only for staff (admin, manager, agent)."""

    rating: int | None = Field(default=None, description="Staff only; absent for other callers")
    staff_comments: str | None = Field(
        default=None, description="Staff only; absent for other callers"
    )
