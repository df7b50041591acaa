"""Keeping the read models in step with `contacts.contact.*` and `routing.agent.*` events.

Snapshots carry versions: an older one read after a newer one (a redelivery, a replay from the
earliest offset) changes nothing.
"""

from sqlmodel import Session

from crm_common.db import utcnow
from crm_common.events import contacts, routing
from crm_orders.readmodel import repository
from crm_orders.readmodel.models import KnownAgent, KnownContact


def apply_contact(session: Session, snapshot: contacts.ContactSnapshot) -> None:
    """Record the owner and assignees of the contact `snapshot` describes, unless a newer version
    is already known."""
    contact = repository.get_contact(session, snapshot.id)
    if contact is not None and contact.version > snapshot.version:
        return
    if contact is None:
        contact = KnownContact(id=snapshot.id, version=snapshot.version)
    contact.owner_id = snapshot.owner_id
    contact.version = snapshot.version
    contact.updated_at = snapshot.updated_at
    session.add(contact)
    session.flush()
    repository.replace_assignees(session, contact.id, set(snapshot.assignee_ids))


def apply_merge(session: Session, merged: contacts.ContactMerged) -> None:
    """The duplicate (and whatever was merged into it before) follows the survivor."""
    apply_contact(session, merged.survivor)
    duplicate = repository.get_contact(session, merged.duplicate_id)
    if duplicate is None:
        duplicate = KnownContact(id=merged.duplicate_id, version=0)
    duplicate.merged_into_id = merged.survivor_id
    duplicate.updated_at = utcnow()
    session.add(duplicate)
    session.flush()
    repository.repoint_merged(session, merged.duplicate_id, merged.survivor_id)


def apply_agent(session: Session, snapshot: routing.AgentSnapshot) -> None:
    """Record the team of the agent `snapshot` describes, unless a newer version is known. A
    deactivated agent keeps its team: its contacts stay the team's until handed to someone."""
    agent_id = str(snapshot.id)
    agent = repository.get_agent(session, agent_id)
    if agent is not None and agent.version > snapshot.version:
        return
    if agent is None:
        agent = KnownAgent(id=agent_id, version=snapshot.version)
    agent.team = snapshot.team
    agent.version = snapshot.version
    agent.updated_at = snapshot.updated_at
    session.add(agent)
