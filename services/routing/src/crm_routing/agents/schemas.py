"""API schemas of agents and their presence."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic.json_schema import SkipJsonSchema

from crm_routing.validation import Label, Name

Presence = Literal["ready", "busy", "away", "offline"]
SkillLevel = Annotated[int, Field(ge=1, le=5)]
Skills = Annotated[dict[Label, SkillLevel], Field(max_length=50)]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")]
Languages = Annotated[list[Language], Field(max_length=20)]
Extension = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=300)]
Chats = Annotated[int, Field(ge=0, le=50)]

_EXAMPLE: dict[str, Any] = {
    "name": "Ada Lovelace",
    "extension": "+14155550123",
    "skills": {"ski": 5, "city-breaks": 2},
    "languages": ["en", "pl"],
    "max_concurrent_chats": 2,
    "team": "Alps",
}


class AgentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    name: Name
    extension: Extension = Field(description="A phone number (stored in E.164) or a sip: URI")
    skills: Skills = Field(
        default={}, description="Product category → level 1 (some) to 5 (expert)"
    )
    languages: Languages = []
    max_concurrent_chats: Chats = 1
    team: Name | None = None


class AgentUpdate(BaseModel):
    """Changes to apply; fields left out stay as they are."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"skills": {"ski": 4}}]}
    )

    name: Name | SkipJsonSchema[None] = None
    extension: Extension | SkipJsonSchema[None] = None
    skills: Skills | SkipJsonSchema[None] = None
    languages: Languages | SkipJsonSchema[None] = None
    max_concurrent_chats: Chats | SkipJsonSchema[None] = None
    team: Name | None = None

    @field_validator(
        "name", "extension", "skills", "languages", "max_concurrent_chats", mode="before"
    )
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out but not null")
        return value


class PresenceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"status": "ready"}]})

    status: Presence


class AgentRead(BaseModel):
    id: uuid.UUID
    name: str
    extension: str
    skills: dict[str, int]
    languages: list[str]
    max_concurrent_chats: int
    team: str | None
    presence: Presence = Field(description="What the agent chose")
    status: Presence = Field(description="Effective: busy while on a call or in wrap-up")
    ready_since: datetime | None = Field(description="Idle since (ties go to the one idle longest)")
    current_call_id: str | None
    wrap_up_until: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime
