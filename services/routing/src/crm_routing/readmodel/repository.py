"""Every query on the read models. The caller's lookups, on every ringing call, are statements
built once with bind parameters."""

import uuid

from sqlalchemy import bindparam, delete
from sqlmodel import Session, col, select

from crm_routing.readmodel.models import (
    CustomerOpportunity,
    CustomerOrder,
    KnownContact,
    KnownPhone,
)


def get_contact(session: Session, contact_id: uuid.UUID) -> KnownContact | None:
    return session.get(KnownContact, contact_id)


_BY_PHONE = (
    select(KnownContact)
    .join(KnownPhone, col(KnownPhone.contact_id) == col(KnownContact.id))
    .where(
        col(KnownPhone.number) == bindparam("number"), col(KnownContact.merged_into_id).is_(None)
    )
    .order_by(col(KnownContact.updated_at).desc(), col(KnownContact.id).desc())
    .limit(1)
)
_ORDERS_OF = (
    select(CustomerOrder)
    .where(col(CustomerOrder.contact_id) == bindparam("contact_id"))
    .order_by(col(CustomerOrder.updated_at).desc(), col(CustomerOrder.id))
)
_OPPORTUNITIES_OF = (
    select(CustomerOpportunity)
    .where(col(CustomerOpportunity.contact_id) == bindparam("contact_id"))
    .order_by(col(CustomerOpportunity.updated_at).desc(), col(CustomerOpportunity.id))
)


def get_by_phone(session: Session, number: str) -> KnownContact | None:
    """The active contact with `number` (the one changed last when several share it)."""
    return session.exec(_BY_PHONE, params={"number": number}).first()


def replace_phones(session: Session, contact_id: uuid.UUID, numbers: set[str]) -> None:
    session.exec(delete(KnownPhone).where(col(KnownPhone.contact_id) == contact_id))
    for number in sorted(numbers):
        session.add(KnownPhone(number=number, contact_id=contact_id))


def get_order(session: Session, order_id: uuid.UUID) -> CustomerOrder | None:
    return session.get(CustomerOrder, order_id)


def orders_of(session: Session, contact_id: uuid.UUID) -> list[CustomerOrder]:
    return list(session.exec(_ORDERS_OF, params={"contact_id": contact_id}).all())


def get_opportunity(session: Session, opportunity_id: uuid.UUID) -> CustomerOpportunity | None:
    return session.get(CustomerOpportunity, opportunity_id)


def opportunities_of(session: Session, contact_id: uuid.UUID) -> list[CustomerOpportunity]:
    return list(session.exec(_OPPORTUNITIES_OF, params={"contact_id": contact_id}).all())
