"""Every query on the read models."""

import uuid

from sqlalchemy import delete
from sqlmodel import Session, col, select

from crm_routing.readmodel.models import (
    CustomerOpportunity,
    CustomerOrder,
    KnownContact,
    KnownPhone,
)


def get_contact(session: Session, contact_id: uuid.UUID) -> KnownContact | None:
    return session.get(KnownContact, contact_id)


def get_by_phone(session: Session, number: str) -> KnownContact | None:
    """The active contact with `number` (the one changed last when several share it)."""
    stmt = (
        select(KnownContact)
        .join(KnownPhone, col(KnownPhone.contact_id) == col(KnownContact.id))
        .where(col(KnownPhone.number) == number, col(KnownContact.merged_into_id).is_(None))
        .order_by(col(KnownContact.updated_at).desc(), col(KnownContact.id).desc())
        .limit(1)
    )
    return session.exec(stmt).first()


def replace_phones(session: Session, contact_id: uuid.UUID, numbers: set[str]) -> None:
    session.exec(delete(KnownPhone).where(col(KnownPhone.contact_id) == contact_id))
    for number in sorted(numbers):
        session.add(KnownPhone(number=number, contact_id=contact_id))


def get_order(session: Session, order_id: uuid.UUID) -> CustomerOrder | None:
    return session.get(CustomerOrder, order_id)


def orders_of(session: Session, contact_id: uuid.UUID) -> list[CustomerOrder]:
    stmt = (
        select(CustomerOrder)
        .where(col(CustomerOrder.contact_id) == contact_id)
        .order_by(col(CustomerOrder.updated_at).desc(), col(CustomerOrder.id))
    )
    return list(session.exec(stmt).all())


def get_opportunity(session: Session, opportunity_id: uuid.UUID) -> CustomerOpportunity | None:
    return session.get(CustomerOpportunity, opportunity_id)


def opportunities_of(session: Session, contact_id: uuid.UUID) -> list[CustomerOpportunity]:
    stmt = (
        select(CustomerOpportunity)
        .where(col(CustomerOpportunity.contact_id) == contact_id)
        .order_by(col(CustomerOpportunity.updated_at).desc(), col(CustomerOpportunity.id))
    )
    return list(session.exec(stmt).all())
