"""Read models of whom the service's records belong to, fed by other services' events only:
contacts' owners and assignees (`contacts.contact.*`) and agents' teams (`routing.agent.*`).
Row-level access (`crm_orders.access`) is decided on them, without asking another service."""

import uuid
from datetime import datetime

from sqlmodel import Field

from crm_common.db import UTCDateTime, utcnow
from crm_orders.db import OrdersBase


class KnownContact(OrdersBase, table=True):
    """A contact's owner, as its latest snapshot says; a contact merged into another follows the
    survivor's owner and assignees (`merged_into_id`)."""

    __tablename__ = "known_contacts"

    id: uuid.UUID = Field(primary_key=True)
    owner_id: str | None = Field(default=None, max_length=200, index=True)
    merged_into_id: uuid.UUID | None = Field(default=None, index=True)
    version: int
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class KnownAssignee(OrdersBase, table=True):
    """An agent assigned to a contact besides its owner."""

    __tablename__ = "known_contact_assignees"

    contact_id: uuid.UUID = Field(primary_key=True, foreign_key="known_contacts.id")
    agent_id: str = Field(primary_key=True, max_length=200, index=True)


class KnownAgent(OrdersBase, table=True):
    """An agent's team: a manager of the team sees the records of the contacts the agent owns or
    is assigned to, and the opportunities it owns."""

    __tablename__ = "known_agents"

    # The routing service's agent id as text, the form owner and assignee ids take.
    id: str = Field(primary_key=True, max_length=200)
    team: str | None = Field(default=None, max_length=200, index=True)
    version: int
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
