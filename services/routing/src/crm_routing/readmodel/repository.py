"""Every query on the read models. The caller's lookups, on every ringing call, are statements
built once with bind parameters."""

import uuid
from collections.abc import Collection
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, delete
from sqlmodel import Session, col, select

from crm_routing.readmodel.models import (
    CustomerOpportunity,
    CustomerOrder,
    ErasedContact,
    KnownConsent,
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


def get_consent(session: Session, contact_id: uuid.UUID, purpose: str) -> KnownConsent | None:
    return session.get(KnownConsent, (contact_id, purpose))


def consents_of(session: Session, contact_ids: Collection[uuid.UUID]) -> list[KnownConsent]:
    stmt = (
        select(KnownConsent)
        .where(col(KnownConsent.contact_id).in_(contact_ids))
        .order_by(col(KnownConsent.contact_id), col(KnownConsent.purpose))
    )
    return list(session.exec(stmt).all())


def merged_into(session: Session, contact_ids: Collection[uuid.UUID]) -> list[uuid.UUID]:
    """The contacts merged into one of `contact_ids` (directly)."""
    stmt = select(KnownContact.id).where(col(KnownContact.merged_into_id).in_(contact_ids))
    return list(session.exec(stmt).all())


def contacts_of(session: Session, contact_ids: Collection[uuid.UUID]) -> list[KnownContact]:
    stmt = (
        select(KnownContact)
        .where(col(KnownContact.id).in_(contact_ids))
        .order_by(col(KnownContact.id))
    )
    return list(session.exec(stmt).all())


def numbers_of(session: Session, contact_ids: Collection[uuid.UUID]) -> list[str]:
    """The phone numbers (E.164) of `contact_ids`, in order."""
    stmt = (
        select(KnownPhone.number)
        .where(col(KnownPhone.contact_id).in_(contact_ids))
        .order_by(col(KnownPhone.number))
        .distinct()
    )
    return list(session.exec(stmt).all())


def forget(session: Session, contact_ids: Collection[uuid.UUID]) -> int:
    """Delete everything the read models hold about `contact_ids`; the rows deleted."""
    deleted = 0
    for model, column in (
        (KnownPhone, KnownPhone.contact_id),
        (CustomerOrder, CustomerOrder.contact_id),
        (CustomerOpportunity, CustomerOpportunity.contact_id),
        (KnownConsent, KnownConsent.contact_id),
        (KnownContact, KnownContact.id),
    ):
        result = session.execute(
            delete(model)
            .where(col(column).in_(contact_ids))
            .execution_options(synchronize_session=False)
        )
        deleted += cast(CursorResult[Any], result).rowcount
    return deleted


def get_erasure(session: Session, request_id: uuid.UUID) -> ErasedContact | None:
    return session.get(ErasedContact, request_id)


_ERASED = (
    select(ErasedContact.request_id)
    .where(col(ErasedContact.contact_id) == bindparam("contact_id"))
    .limit(1)
)


def is_erased(session: Session, contact_id: uuid.UUID) -> bool:
    return session.exec(_ERASED, params={"contact_id": contact_id}).first() is not None
