"""Every query on consents and their history."""

import uuid

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from crm_contacts.consents.models import Consent, ConsentChange

MAX_HISTORY = 1000


def get(session: Session, contact_id: uuid.UUID, purpose: str) -> Consent | None:
    stmt = select(Consent).where(Consent.contact_id == contact_id, Consent.purpose == purpose)
    return session.exec(stmt).first()


def current_of(session: Session, contact_id: uuid.UUID) -> dict[str, Consent]:
    stmt = select(Consent).where(Consent.contact_id == contact_id)
    return {c.purpose: c for c in session.exec(stmt)}


def history_of(session: Session, contact_id: uuid.UUID) -> list[ConsentChange]:
    """A contact's consent changes, oldest first."""
    stmt = (
        select(ConsentChange)
        .where(ConsentChange.contact_id == contact_id)
        .order_by(col(ConsentChange.changed_at), col(ConsentChange.id))
        .limit(MAX_HISTORY)
    )
    return list(session.exec(stmt).all())


def move_history(session: Session, from_contact: uuid.UUID, to_contact: uuid.UUID) -> None:
    session.exec(
        update(ConsentChange)
        .where(col(ConsentChange.contact_id) == from_contact)
        .values(contact_id=to_contact)
    )


def move_current(
    session: Session, from_contact: uuid.UUID, to_contact: uuid.UUID, purposes: list[str]
) -> None:
    """Hand the current consents for `purposes` over to `to_contact`; forget the rest."""
    if purposes:
        session.exec(
            update(Consent)
            .where(col(Consent.contact_id) == from_contact, col(Consent.purpose).in_(purposes))
            .values(contact_id=to_contact)
        )
    session.exec(delete(Consent).where(col(Consent.contact_id) == from_contact))
