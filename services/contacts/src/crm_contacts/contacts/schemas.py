"""API schemas of contacts (distinct from the tables)."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema

from crm_common.validation import clean_text
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
MAX_ASSIGNEES = 20
STAFF_FIELDS = frozenset({"rating", "staff_comments"})

# Fields only staff may set: the staff-only fields, and who is assigned to the contact (which
# decides which agents see it). Partners see assignees, as they see the owner.
STAFF_WRITABLE_FIELDS = STAFF_FIELDS | {"assignee_ids"}
ASSIGNEES_DESCRIPTION = (
    "Agent ids of the agents assigned to the contact besides its owner (each once); they see the "
    "contact as its owner does. Set by staff only"
)

# ISO 3166-1 alpha-2: the officially assigned codes.
_ASSIGNED_COUNTRIES = (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS "
    "BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE "
    "EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM "
    "HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC "
    "LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA "
    "NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW "
    "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO "
    "TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
)
COUNTRIES = frozenset(_ASSIGNED_COUNTRIES.split())


def _country(value: str) -> str:
    code = value.upper()
    if code not in COUNTRIES:
        raise ValueError("must be an ISO 3166-1 alpha-2 country code, e.g. DE")
    return code


Country = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=2, max_length=2),
    AfterValidator(_country),
    Field(description="ISO 3166-1 alpha-2, upper-cased", examples=["DE"]),
]
PostalCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=20),
    AfterValidator(clean_text),
]


class Address(BaseModel):
    """A postal address; `country` is an ISO 3166-1 alpha-2 code (upper-cased)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"line1": "1 Main St", "postal_code": "10115", "city": "Berlin", "country": "DE"}
            ]
        },
    )

    line1: Name
    line2: Name | None = None
    postal_code: PostalCode | None = None
    city: Name
    region: Name | None = None
    country: Country


Preferences = Annotated[
    JsonObject,
    Field(
        description="The person's preferences, e.g. preferred language, channel, newsletter format"
    ),
]


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
                    "assignee_ids": ["agent-7"],
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
    assignee_ids: list[Identifier] = Field(
        default_factory=list, max_length=MAX_ASSIGNEES, description=ASSIGNEES_DESCRIPTION
    )
    attributes: JsonObject = Field(default_factory=dict)
    address: Address | None = None
    preferences: Preferences = Field(default_factory=dict)
    rating: int | None = Field(default=None, ge=1, le=5, description="Staff only")
    staff_comments: Comment | None = Field(default=None, description="Staff only")


# Fields that may be left out of an update but never set to null (hence no null in their schema).
_NOT_NULL = (
    "kind",
    "lifecycle_stage",
    "emails",
    "phones",
    "tags",
    "assignee_ids",
    "attributes",
    "preferences",
)


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
    assignee_ids: (
        Annotated[list[Identifier], Field(max_length=MAX_ASSIGNEES)] | SkipJsonSchema[None]
    ) = Field(default=None, description=ASSIGNEES_DESCRIPTION)
    attributes: JsonObject | SkipJsonSchema[None] = None
    address: Address | None = None
    preferences: Preferences | SkipJsonSchema[None] = None
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
    assignee_ids: list[str] = Field(
        default_factory=list, description="Agent ids of the agents assigned besides the owner"
    )
    lifecycle_stage: LifecycleStage
    tags: list[str]
    attributes: dict[str, Any]
    address: Address | None = None
    preferences: dict[str, Any] = Field(default_factory=dict)
    version: int
    created_at: datetime
    updated_at: datetime


class ContactRead(PartnerContactRead):
    """A contact; `rating` and `staff_comments` are present only for staff (admin, manager, agent)."""

    rating: int | None = Field(default=None, description="Staff only; absent for other callers")
    staff_comments: str | None = Field(
        default=None, description="Staff only; absent for other callers"
    )
