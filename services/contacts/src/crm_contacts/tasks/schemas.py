"""API schemas of tasks and calendar entries."""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from crm_contacts.validation import Identifier, Subject, Timestamp

TaskKind = Literal["call", "meeting", "todo"]
TaskStatus = Literal["open", "done", "cancelled"]


class TaskCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Demo of the new range",
                    "kind": "meeting",
                    "assignee_id": "agent-7",
                    "due_at": "2030-05-01T09:00:00Z",
                    "ends_at": "2030-05-01T10:00:00Z",
                }
            ]
        },
    )

    title: Subject
    kind: TaskKind = "todo"
    contact_id: uuid.UUID | None = Field(default=None, description="An existing, unmerged contact")
    assignee_id: Identifier | None = None
    due_at: Timestamp | None = Field(default=None, description="When it is due, or starts")
    ends_at: Timestamp | None = Field(
        default=None, description="When a meeting or call ends; needs due_at, not before it"
    )


class TaskUpdate(BaseModel):
    """Changes to apply; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"status": "done"}]})

    title: Subject | SkipJsonSchema[None] = None
    due_at: Timestamp | None = None
    ends_at: Timestamp | None = None
    assignee_id: Identifier | None = None
    status: TaskStatus | SkipJsonSchema[None] = None

    @field_validator("title", "status", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out but not null")
        return value


class TaskRead(BaseModel):
    id: uuid.UUID
    title: str
    kind: TaskKind
    contact_id: uuid.UUID | None
    assignee_id: str | None
    due_at: datetime | None
    ends_at: datetime | None
    status: TaskStatus
    completed_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime
