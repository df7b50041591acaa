"""API schemas of pipelines."""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from crm_orders.commerce import Name
from crm_orders.sales import StageName

StageKind = Literal["open", "won", "lost"]
MAX_STAGES = 30


class Stage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StageName = Field(examples=["qualification"])
    probability: int = Field(ge=0, le=100, description="Chance of winning, in percent")
    kind: StageKind = "open"


class PipelineCreate(BaseModel):
    """A pipeline: stage names unique, open stages first, then at least one won and one lost."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Tours",
                    "stages": [
                        {"name": "enquiry", "probability": 10},
                        {"name": "offer", "probability": 50},
                        {"name": "booked", "probability": 100, "kind": "won"},
                        {"name": "cancelled", "probability": 0, "kind": "lost"},
                    ],
                }
            ]
        },
    )

    name: Name
    stages: list[Stage] = Field(min_length=3, max_length=MAX_STAGES)
    is_default: bool = Field(default=False, description="Make it the default for new opportunities")


class PipelineUpdate(BaseModel):
    """Changes to apply; `stages` is replaced whole (stages in use may not disappear)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | SkipJsonSchema[None] = None
    stages: list[Stage] | SkipJsonSchema[None] = Field(
        default=None, min_length=3, max_length=MAX_STAGES
    )
    is_default: bool | SkipJsonSchema[None] = Field(
        default=None, description="true makes it the default (another one then stops being it)"
    )

    @field_validator("name", "stages", "is_default", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out but not null")
        return value


class StageRead(BaseModel):
    name: str
    probability: int
    kind: StageKind


class PipelineRead(BaseModel):
    id: uuid.UUID
    name: str
    is_default: bool
    stages: list[StageRead]
    version: int
    created_at: datetime
    updated_at: datetime
