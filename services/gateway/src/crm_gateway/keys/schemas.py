"""API key schemas: the secret appears only in the answer to its creation."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from crm_common.auth import ROLES, Role
from crm_common.validation import clean_text


def _distinct(roles: list[Role]) -> list[Role]:
    """The roles once each, in the order of crm_common.auth.ROLES."""
    return [role for role in ROLES if role in roles]


MAX_RATE_LIMIT_PER_MINUTE = 1_000_000

Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(clean_text)]
Description = Annotated[str, Field(max_length=1000), AfterValidator(clean_text)]
Roles = Annotated[
    list[Role],
    Field(min_length=1, max_length=len(ROLES), description="At least one role"),
    AfterValidator(_distinct),
]


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="Who or what uses the key, e.g. 'ERP production'")
    roles: Roles
    description: Description | None = None
    agent_id: uuid.UUID | None = Field(
        default=None,
        description="For a key with the `agent` role: the agent (in /v1/agents) it belongs to. "
        "Without admin or manager besides, such a key sets only that agent's presence.",
    )

    team: Name | None = Field(
        default=None,
        description="The team of a `manager` or `agent` key: a manager sees the contacts owned by "
        "or assigned to the agents of its team (the routing service's agents' `team`).",
    )
    rate_limit_per_minute: int | None = Field(
        default=None,
        ge=1,
        le=MAX_RATE_LIMIT_PER_MINUTE,
        description="Requests a minute (a token bucket holding as many, refilled evenly); "
        "absent: the gateway's default (CRM_GATEWAY_DEFAULT_RATE_LIMIT_PER_MINUTE)",
    )

    @field_validator("agent_id")
    @classmethod
    def _agent_needs_role(cls, value: uuid.UUID | None, info: ValidationInfo) -> uuid.UUID | None:
        if value is not None and "agent" not in info.data.get("roles", ["agent"]):
            raise ValueError("is for keys with the agent role")
        return value


class ApiKeyRead(BaseModel):
    id: uuid.UUID
    name: str
    description: str | None
    roles: list[Role]
    agent_id: uuid.UUID | None = Field(description="The agent the key belongs to, if any")
    team: str | None = Field(default=None, description="The key's team, if any")
    rate_limit_per_minute: int | None = Field(
        default=None, description="Its own limit, if any (else the gateway's default)"
    )
    prefix: str = Field(description="The first characters of the key, to recognise it")
    created_at: datetime
    last_used_at: datetime | None = Field(description="Updated at most once a minute")
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The secret, to send as `Authorization: Bearer <key>`: shown once")
