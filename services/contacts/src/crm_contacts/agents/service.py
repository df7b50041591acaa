"""Keeping the agents read model in step with `routing.agent.*` events.

Snapshots carry the agent's version: an older one arriving after a newer one is ignored, so
redeliveries and replays from the earliest offset never move an agent back to an old team.
"""

from sqlmodel import Session

from crm_common.events.routing import AgentSnapshot
from crm_contacts.agents import repository
from crm_contacts.agents.models import KnownAgent


def apply_agent(session: Session, snapshot: AgentSnapshot) -> None:
    """Record the team and activity of the agent `snapshot` describes, unless a newer version is
    already known."""
    agent_id = str(snapshot.id)
    agent = repository.get(session, agent_id, for_update=True)
    if agent is not None and agent.version > snapshot.version:
        return
    if agent is None:
        agent = KnownAgent(id=agent_id, version=snapshot.version)
    agent.team = snapshot.team
    agent.active = snapshot.active
    agent.version = snapshot.version
    agent.updated_at = snapshot.updated_at
    session.add(agent)
