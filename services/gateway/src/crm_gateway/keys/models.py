"""API keys. Only a hash of each secret is stored; the secret itself is shown once."""

import uuid
from datetime import datetime

from sqlalchemy import JSON
from sqlmodel import Field

from crm_common.db import UTCDateTime, new_id, utcnow
from crm_gateway.db import GatewayBase


class ApiKey(GatewayBase, table=True):
    __tablename__ = "api_keys"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=1000)
    roles: list[str] = Field(sa_type=JSON)
    # The routing service's agent an `agent` key belongs to: such a key changes only that agent.
    agent_id: uuid.UUID | None = Field(default=None)
    # The team of a manager's (or agent's) key: a manager sees the contacts of its team's agents.
    team: str | None = Field(default=None, max_length=200)
    # Requests a minute this key may send (a token bucket); None: the gateway's default.
    rate_limit_per_minute: int | None = Field(default=None)
    # SHA-256 of the secret, hex; the unique index is how a Bearer key is recognised.
    key_hash: str = Field(max_length=64, unique=True, index=True)
    prefix: str = Field(max_length=20)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
