"""The read model of the routing service's agents: which team each agent belongs to."""

from datetime import datetime

from sqlmodel import Field

from crm_common.db import UTCDateTime, utcnow
from crm_contacts.db import ContactsBase


class KnownAgent(ContactsBase, table=True):
    """An agent as `routing.agent.*` events describe it; a manager of `team` sees the contacts the
    agent owns or is assigned to. A deactivated agent keeps its team: its contacts stay the team's
    until they are handed to someone else."""

    __tablename__ = "known_agents"

    # The routing service's agent id as text, the form owner and assignee ids take.
    id: str = Field(primary_key=True, max_length=200)
    team: str | None = Field(default=None, max_length=200, index=True)
    active: bool = Field(default=True)
    version: int
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
