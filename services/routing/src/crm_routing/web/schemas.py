"""API schemas of page-view beacons, the offer that answers them, and engagement rules."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from crm_routing.validation import Label, Name, Timestamp, clean_text

MAX_BATCH = 500
MAX_STEPS = 20

RuleKind = Literal["depth", "pages", "time", "sequence"]
OfferType = Literal["chat", "callback"]

WebId = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:\-]+$")
]


def _url(value: str) -> str:
    """An absolute http(s) URL or a path starting with `/`, without control characters."""
    clean_text(value)
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise ValueError("must not contain control characters or line breaks")
    if value.startswith("/"):
        return value
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        raise ValueError("not a valid URL") from exc
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an absolute http(s) URL or a path starting with /")
    return value


def _title(value: Any) -> Any:
    """The page's title; an empty title is no title."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _glob(value: str) -> str:
    clean_text(value)
    if not value.startswith(("/", "*")):
        raise ValueError("a URL path pattern starts with / or *")
    return value


Url = Annotated[str, StringConstraints(min_length=1, max_length=2000), AfterValidator(_url)]
TitleText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
UrlPattern = Annotated[str, StringConstraints(min_length=1, max_length=500), AfterValidator(_glob)]


class PageBeacon(BaseModel):
    """One page view, as the website's script reports it."""

    model_config = ConfigDict(extra="forbid")

    visitor_id: WebId = Field(description="The device (a first-party cookie), across sessions")
    session_id: WebId = Field(description="The visit")
    contact_id: uuid.UUID | None = Field(
        default=None,
        description="The signed-in contact, if any: the device is remembered as theirs",
    )
    url: Url = Field(description="The page: an absolute http(s) URL or a path")
    category: Label | None = Field(default=None, description="The page's product category")
    title: Annotated[TitleText | None, BeforeValidator(_title)] = None
    occurred_at: Timestamp = Field(description="When the page was viewed (RFC 3339)")

    @field_validator("title")
    @classmethod
    def _storable_title(cls, value: str | None) -> str | None:
        return None if value is None else clean_text(value)


_BEACON_EXAMPLE: dict[str, Any] = {
    "visitor_id": "v-6f1c2a",
    "session_id": "s-91b7e0",
    "url": "https://shop.example.com/ski/alps/chalets",
    "category": "ski",
    "title": "Chalets in the Alps",
    "occurred_at": "2030-03-01T09:30:00Z",
}


class BeaconBatch(BaseModel):
    """Page views in the order they happened: one beacon is a batch of one. Any bad item refuses
    the whole batch (422 naming `body.events.<index>.<field>`); nothing of it is stored."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"events": [_BEACON_EXAMPLE]}]}
    )

    events: list[PageBeacon] = Field(min_length=1, max_length=MAX_BATCH)


class Offer(BaseModel):
    """`chat`: the agent can chat now; `callback`: the agent is ready but on a call or in wrap-up,
    so the website offers a call back from them."""

    type: OfferType
    agent_id: uuid.UUID
    agent_name: str
    session_id: str = Field(description="The engaged session the offer is for")


class BeaconAnswer(BaseModel):
    """The offer made to the session this request engaged (for a batch that engages several, the
    last one's), or null: no session became engaged, or nobody suitable is free, or the call queue
    is long. A session is offered once, when it becomes engaged."""

    offer: Offer | None


class StepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: UrlPattern | None = Field(
        default=None, description="A glob on the URL path, e.g. /products/*"
    )
    category: Label | None = None

    @model_validator(mode="after")
    def _something(self) -> "StepIn":
        if self.url is None and self.category is None:
            raise ValueError("a step needs a url pattern, a category, or both")
        return self


class EngagementRuleCreate(BaseModel):
    """`threshold` for depth (path segments), pages (page views) and time (seconds on the site);
    `steps` for sequence (in order, other pages allowed in between)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Products then prices",
                    "kind": "sequence",
                    "steps": [
                        {"category": "product"},
                        {"category": "product"},
                        {"url": "/prices*"},
                    ],
                },
                {"name": "Deep", "kind": "depth", "threshold": 3},
            ]
        },
    )

    name: Name
    kind: RuleKind
    threshold: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    steps: Annotated[list[StepIn], Field(max_length=MAX_STEPS)] = []
    position: Annotated[int, Field(ge=0, le=10_000)] = Field(
        default=0, description="Rules are tried in this order (then oldest first)"
    )
    active: bool = True


class EngagementRuleUpdate(BaseModel):
    """Changes to apply; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"threshold": 4}]})

    name: Name | SkipJsonSchema[None] = None
    kind: RuleKind | SkipJsonSchema[None] = None
    threshold: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    steps: Annotated[list[StepIn], Field(max_length=MAX_STEPS)] | SkipJsonSchema[None] = None
    position: Annotated[int, Field(ge=0, le=10_000)] | SkipJsonSchema[None] = None
    active: bool | SkipJsonSchema[None] = None

    @field_validator("name", "kind", "steps", "position", "active", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out but not null")
        return value


class StepRead(BaseModel):
    url: str | None
    category: str | None


class EngagementRuleRead(BaseModel):
    id: uuid.UUID
    name: str
    kind: RuleKind
    threshold: int | None
    steps: list[StepRead]
    position: int
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime
