"""Every query on the read models of contacts' owners and agents' teams."""

import uuid

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from crm_orders.readmodel.models import KnownAgent, KnownAssignee, KnownContact


def get_contact(session: Session, contact_id: uuid.UUID) -> KnownContact | None:
    return session.exec(
        select(KnownContact).where(col(KnownContact.id) == contact_id).with_for_update()
    ).first()


def replace_assignees(session: Session, contact_id: uuid.UUID, agent_ids: set[str]) -> None:
    session.exec(delete(KnownAssignee).where(col(KnownAssignee.contact_id) == contact_id))
    session.add_all(KnownAssignee(contact_id=contact_id, agent_id=a) for a in sorted(agent_ids))
    session.flush()


def repoint_merged(session: Session, duplicate_id: uuid.UUID, survivor_id: uuid.UUID) -> None:
    """Contacts merged into the duplicate before now follow the survivor too."""
    session.exec(
        update(KnownContact)
        .where(col(KnownContact.merged_into_id) == duplicate_id)
        .values(merged_into_id=survivor_id)
    )


def get_agent(session: Session, agent_id: str) -> KnownAgent | None:
    return session.exec(
        select(KnownAgent).where(col(KnownAgent.id) == agent_id).with_for_update()
    ).first()
