"""API schemas of call statistics."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

GroupBy = Literal["hour", "agent", "category"]


class CallFigures(BaseModel):
    offered: int = Field(description="Calls that started (rang) in the range")
    answered: int = Field(description="Of those, answered by an agent")
    abandoned: int = Field(description="Of those, the caller hung up before an answer")
    transferred: int = Field(description="Of those, transferred at least once")
    answered_within_service_level: int = Field(
        description="Answered within `service_level_seconds` of ringing"
    )
    average_wait_seconds: float | None = Field(
        description="From ringing to answer, over the answered calls (null: none answered)"
    )
    average_handle_seconds: float | None = Field(
        description="From answer to end, over the ended calls (null: none ended)"
    )
    service_level: float | None = Field(
        description="answered_within_service_level / offered, 0..1 (null: nothing offered)"
    )


class CallGroup(CallFigures):
    key: str | None = Field(
        description="The hour's start (RFC 3339), the agent's id, or the category; null for calls "
        "no agent was given (by agent) or without a category (by category)"
    )


class CallStats(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: datetime = Field(alias="from")
    to: datetime
    group_by: GroupBy
    service_level_seconds: int
    groups: list[CallGroup] = Field(
        description="By hour: every hour of the range in order, empty ones included; by agent or "
        "category: the busiest first"
    )
    total: CallFigures
