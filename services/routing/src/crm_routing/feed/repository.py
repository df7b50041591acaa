"""Every query on the agents' feed."""

import uuid
from typing import Any

from sqlmodel import Session, col, select

from crm_routing.agents.models import Agent
from crm_routing.feed.models import AgentFeedItem


def lock_agent(session: Session, agent_id: uuid.UUID) -> bool:
    """Take the agent's row lock (held to commit); False when there is no such agent."""
    stmt = select(Agent.id).where(col(Agent.id) == agent_id).with_for_update()
    return session.exec(stmt).first() is not None


def add(session: Session, agent_id: uuid.UUID, kind: str, data: dict[str, Any]) -> AgentFeedItem:
    item = AgentFeedItem(agent_id=agent_id, kind=kind, data=data)
    session.add(item)
    session.flush()
    return item


def items_after(
    session: Session, agent_id: uuid.UUID, after: int, limit: int
) -> list[AgentFeedItem]:
    """The agent's items with an id above `after`, oldest first."""
    stmt = (
        select(AgentFeedItem)
        .where(col(AgentFeedItem.agent_id) == agent_id, col(AgentFeedItem.id) > after)
        .order_by(col(AgentFeedItem.id).asc())
        .limit(limit)
    )
    return list(session.exec(stmt).all())
