"""API schemas of the interaction timeline."""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crm_contacts.validation import Body, Identifier, JsonObject, Subject, Timestamp

Channel = Literal["call", "email", "meeting", "chat", "web", "note"]
Direction = Literal["inbound", "outbound"]

MAX_DURATION_SECONDS = 10_000_000


class InteractionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "channel": "call",
                    "direction": "inbound",
                    "occurred_at": "2025-03-01T09:30:00Z",
                    "subject": "Renewal",
                    "agent_id": "agent-7",
                    "duration_seconds": 95,
                    "metadata": {"call_id": "c-123"},
                }
            ]
        },
    )

    channel: Channel
    direction: Direction
    occurred_at: Timestamp | None = Field(
        default=None, description="When it happened (with a timezone); now when left out"
    )
    subject: Subject | None = None
    body: Body | None = None
    agent_id: Identifier | None = None
    duration_seconds: int | None = Field(default=None, ge=0, le=MAX_DURATION_SECONDS)
    metadata: JsonObject = Field(default_factory=dict)


class InteractionRead(BaseModel):
    id: uuid.UUID
    contact_id: uuid.UUID
    channel: Channel
    direction: Direction
    occurred_at: datetime
    subject: str | None
    body: str | None
    agent_id: str | None
    duration_seconds: int | None
    metadata: dict[str, Any]
    created_at: datetime
