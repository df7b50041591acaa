"""Every query on interactions."""

import uuid

from sqlalchemy import update
from sqlmodel import Session, col, select

from crm_common.pagination import Paged, SortKey, keyset_page
from crm_contacts.interactions.models import Interaction


def get(session: Session, interaction_id: uuid.UUID) -> Interaction | None:
    return session.get(Interaction, interaction_id)


def timeline_page(
    session: Session, contact_id: uuid.UUID, limit: int, cursor: str | None
) -> Paged[Interaction]:
    """A contact's interactions, newest first."""
    stmt = select(Interaction).where(col(Interaction.contact_id) == contact_id)
    keys = [
        SortKey(col(Interaction.occurred_at), descending=True),
        SortKey(col(Interaction.id), descending=True),
    ]
    return keyset_page(session, stmt, keys, limit, cursor)


def move_to(session: Session, from_contact: uuid.UUID, to_contact: uuid.UUID) -> None:
    session.exec(
        update(Interaction)
        .where(col(Interaction.contact_id) == from_contact)
        .values(contact_id=to_contact)
    )
