"""API schemas of callbacks, their attempts and the outcomes the telephony platform reports."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from crm_routing.callbacks.models import NOTE_MAX_LENGTH
from crm_routing.validation import Label, Timestamp, clean_text

CallbackStatus = Literal["scheduled", "in_progress", "completed", "failed", "cancelled", "expired"]
CallbackPurpose = Literal["service", "marketing"]
CancelReason = Literal["consent-withdrawn", "contact-erased"]
Outcome = Literal["connected", "no_answer", "busy", "failed", "agent_unavailable"]
FINISHED: frozenset[str] = frozenset({"completed", "failed", "cancelled", "expired"})

Note = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=NOTE_MAX_LENGTH),
    AfterValidator(clean_text),
]
PhoneInput = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class CallbackCreate(BaseModel):
    """Exactly one of `contact_id` (whose phone the read model knows) and `phone`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "phone": "+14155550123",
                    "category": "ski",
                    "window_from": "2030-01-15T09:00:00Z",
                    "window_to": "2030-01-15T12:00:00Z",
                    "note": "Asks about the season pass",
                }
            ]
        },
    )

    contact_id: uuid.UUID | None = Field(default=None, description="A known contact to call")
    phone: PhoneInput | None = Field(default=None, description="The number to call (E.164)")
    category: Label | None = Field(default=None, description="Who should call: experts of this")
    purpose: CallbackPurpose = Field(
        default="service",
        description="service: the customer asked for it (the website, an agent's promise); "
        "marketing: an outbound offer, only to a known contact whose phone consent is granted "
        "(else 409 consent-required)",
    )
    window_from: Timestamp = Field(description="Call no earlier than this")
    window_to: Timestamp = Field(description="Call no later than this (in the future)")
    note: Note = Field(description="What the customer wants, shown to the agent")


class AttemptRead(BaseModel):
    id: uuid.UUID = Field(description="The agent's current_call_id is callback:<id> meanwhile")
    number: int
    agent_id: uuid.UUID
    extension: str
    started_at: datetime
    outcome: Outcome | None = Field(description="null while the attempt is under way")
    finished_at: datetime | None
    duration_seconds: float | None


class CallbackRead(BaseModel):
    id: uuid.UUID
    contact_id: uuid.UUID | None
    phone: str
    category: str | None
    purpose: CallbackPurpose
    note: str
    window_from: datetime
    window_to: datetime
    status: CallbackStatus
    cancel_reason: CancelReason | None = Field(
        description="Why the service cancelled it: consent-withdrawn (a marketing callback whose "
        "contact withdrew their phone consent) or contact-erased; null otherwise"
    )
    attempt_count: int = Field(description="Attempts made so far")
    next_attempt_at: datetime | None = Field(description="When the next attempt is due")
    agent_id: uuid.UUID | None = Field(description="The agent of the current or last attempt")
    finished_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class CallbackDetail(CallbackRead):
    attempts: list[AttemptRead] = Field(description="Every attempt and its outcome, in order")


class AttemptOutcome(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"outcome": "connected", "duration_seconds": 184}]},
    )

    outcome: Outcome
    duration_seconds: float | None = Field(
        default=None,
        ge=0,
        le=86400,
        allow_inf_nan=False,
        description="Talk time of a connected attempt",
    )
