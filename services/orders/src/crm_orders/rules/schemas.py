"""API schemas of stage rules."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from crm_common.money import Currency, Money
from crm_orders.commerce import Name, bounded_text, clean_text
from crm_orders.sales import Amount, Identifier, StageName

TaskKind = Literal["call", "meeting", "todo"]
TaskTitle = Annotated[str, bounded_text(500), AfterValidator(clean_text)]
MAX_DUE_IN_HOURS = 24 * 365


class RuleWhen(BaseModel):
    """Conditions, all of which must hold when an opportunity enters `stage`."""

    model_config = ConfigDict(extra="forbid")

    stage: StageName = Field(description="The stage entered")
    pipeline_id: uuid.UUID | None = Field(
        default=None, description="Only in this pipeline (any pipeline with the stage if omitted)"
    )
    amount_gt: Amount | None = Field(default=None, description="Amount strictly above this")
    currency: Currency | None = Field(default=None, description="Only amounts in this currency")
    category: Name | None = Field(
        default=None, description="One of the products of interest is in this category"
    )


class CreateTask(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: TaskTitle
    kind: TaskKind = "todo"
    assignee: Identifier = Field(description='"owner" (the opportunity\'s owner) or a user id')
    due_in_hours: int = Field(ge=0, le=MAX_DUE_IN_HOURS, description="Due this long after entry")


class RuleThen(BaseModel):
    model_config = ConfigDict(extra="forbid")

    create_task: CreateTask


class RuleCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Big RFQs get a senior review",
                    "when": {"stage": "rfq_received", "amount_gt": "50000"},
                    "then": {
                        "create_task": {
                            "title": "Review with a senior manager",
                            "assignee": "owner",
                            "due_in_hours": 24,
                        }
                    },
                }
            ]
        },
    )

    name: Name
    when: RuleWhen
    then: RuleThen
    active: bool = True


class RuleUpdate(BaseModel):
    """Changes to apply; `when` and `then` are replaced whole."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"active": False}]})

    name: Name | SkipJsonSchema[None] = None
    when: RuleWhen | SkipJsonSchema[None] = None
    then: RuleThen | SkipJsonSchema[None] = None
    active: bool | SkipJsonSchema[None] = None

    @field_validator("name", "when", "then", "active", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out but not null")
        return value


class RuleWhenRead(BaseModel):
    stage: str
    pipeline_id: uuid.UUID | None
    amount_gt: Money | None
    currency: Currency | None
    category: str | None


class RuleRead(BaseModel):
    id: uuid.UUID
    name: str
    when: RuleWhenRead
    then: RuleThen
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime
