"""API schemas of webhook subscriptions, their deliveries, replays and test pings. A secret appears
only in the answers to a creation and to a rotation."""

import uuid
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from crm_common.validation import Timestamp, clean_text
from crm_gateway.webhooks.matching import MAX_PATTERN_LENGTH, pattern_problem
from crm_gateway.webhooks.models import DESCRIPTION_MAX_LENGTH, URL_MAX_LENGTH

MAX_EVENT_TYPES = 50
SubscriptionStatus = Literal["enabled", "disabled"]
DeliveryStatus = Literal["pending", "delivered", "failed"]


def _url(value: str) -> str:
    """An absolute http(s) URL with a host and no credentials; whether plain http is allowed
    depends on the environment (the service checks that)."""
    if any(c.isspace() or not c.isprintable() for c in value):
        raise ValueError("must not contain spaces or control characters")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"is not a valid URL: {exc}") from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError("must be an https:// URL")
    if not parts.hostname:
        raise ValueError("must name a host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not carry credentials")
    if parts.fragment:
        raise ValueError("must not have a fragment")
    if port == 0:
        raise ValueError("must not use port 0")
    return value


def _patterns(values: list[str]) -> list[str]:
    """Each pattern once, in the given order, every one naming at least one known type."""
    problems = [f"{value!r} {problem}" for value in values if (problem := pattern_problem(value))]
    if problems:
        raise ValueError("; ".join(problems))
    return list(dict.fromkeys(values))


Url = Annotated[
    str,
    StringConstraints(min_length=1, max_length=URL_MAX_LENGTH),
    AfterValidator(_url),
]
Pattern = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_PATTERN_LENGTH, pattern=r"^[a-z0-9_.]*\*?$"),
]
EventTypes = Annotated[
    list[Pattern],
    Field(
        min_length=1,
        max_length=MAX_EVENT_TYPES,
        description="Event types (`orders.order.placed.v1`), or prefixes ending in `*` "
        "(`orders.order.*`; `*` alone is every type); each must name a known type",
    ),
    AfterValidator(_patterns),
]
Description = Annotated[str, Field(max_length=DESCRIPTION_MAX_LENGTH), AfterValidator(clean_text)]


class WebhookCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://partner.example.com/rapport",
                    "event_types": ["orders.order.*", "contacts.contact.created.v1"],
                    "description": "Order sync",
                }
            ]
        },
    )

    url: Url = Field(
        description="Where deliveries are POSTed: https (http only outside production)"
    )
    event_types: EventTypes
    description: Description | None = None


class WebhookUpdate(BaseModel):
    """Only the fields sent change; `enabled: true` re-enables a disabled subscription."""

    model_config = ConfigDict(extra="forbid")

    url: Url | None = None
    event_types: EventTypes | None = None
    description: Description | None = None
    enabled: bool | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> "WebhookUpdate":
        for name in ("url", "event_types", "enabled"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class WebhookRead(BaseModel):
    id: uuid.UUID
    url: str
    event_types: list[str]
    description: str | None
    status: SubscriptionStatus
    disabled_reason: str | None = Field(description="Why it is disabled (by request, or failures)")
    disabled_at: datetime | None
    consecutive_failures: int = Field(description="Failed deliveries since the last delivered one")
    failing_since: datetime | None = Field(
        description="The first failed attempt since the last delivered event"
    )
    previous_secret_expires_at: datetime | None = Field(
        description="After a rotation, deliveries carry a signature with the previous secret too "
        "until then"
    )
    owner: str = Field(description="The API key that created it")
    version: int
    created_at: datetime
    updated_at: datetime


class WebhookWithSecret(WebhookRead):
    secret: str = Field(
        description="The signing secret of `X-Rapport-Signature`: shown in this answer only"
    )


class AttemptRead(BaseModel):
    number: int
    attempted_at: datetime
    status_code: int | None = Field(description="The receiver's answer; null when none came")
    error: str | None = Field(description="A timeout or connection error, when no answer came")
    duration_ms: float


class DeliveryRead(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: datetime | None = Field(description="When a pending delivery goes out next")
    last_status_code: int | None = Field(description="The receiver's status at the last attempt")
    last_error: str | None
    finished_at: datetime | None
    created_at: datetime
    attempts: list[AttemptRead] = Field(description="Every attempt, the first first")


class ReplayRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"since": "2026-12-01T00:00:00Z"}]},
    )

    since: Timestamp = Field(description="Replay stored events from this time on (RFC 3339)")
    until: Timestamp | None = Field(default=None, description="... up to this time, excluded")
    event_types: EventTypes | None = Field(
        default=None, description="Only these of the subscription's types (default: all of them)"
    )

    @model_validator(mode="after")
    def _ordered(self) -> "ReplayRequest":
        if self.until is not None and self.until <= self.since:
            raise ValueError("until must be later than since")
        return self


class ReplayQueued(BaseModel):
    queued: int = Field(description="Deliveries queued: one per stored event that matches")
    since: datetime
    until: datetime | None


class PingResult(BaseModel):
    """How the receiver answered a `gateway.webhook.test.v1` ping."""

    event_id: uuid.UUID
    delivered: bool = Field(description="Whether the receiver answered 2xx")
    status_code: int | None
    error: str | None
    duration_ms: float
