"""Every query of data rights: erased contacts, a contact's records, and what the outbox and the
stored idempotent answers hold about them."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, or_, select, update
from sqlmodel import Session, col
from sqlmodel import select as select_models

from crm_common.db import conflict_insert, table_of
from crm_common.http import IdempotencyRecordBase
from crm_common.outbox import OutboxRecordBase
from crm_orders.db import IdempotencyRecord, Outbox
from crm_orders.opportunities.models import Opportunity, StageEntry
from crm_orders.orders.models import Order, OrderStatusEntry
from crm_orders.privacy.models import ErasedContact
from crm_orders.privacy.pseudonyms import ERASED
from crm_orders.quotes.models import Quote

_ERASED = table_of(ErasedContact)
# Built once: every new order asks it (ARCHITECTURE rule 7).
_IS_ERASED = select(_ERASED.c.contact_id).where(_ERASED.c.contact_id == bindparam("contact_id"))


def is_erased(session: Session, contact_id: uuid.UUID) -> bool:
    found = session.connection().execute(_IS_ERASED, {"contact_id": contact_id}).first()
    return found is not None


def add_erased(
    session: Session, contact_id: uuid.UUID, request_id: uuid.UUID, requested_at: datetime
) -> None:
    """Record the erasure once; a later request for the same contact keeps the first row."""
    insert = conflict_insert(session.get_bind().dialect.name)(_ERASED)
    session.connection().execute(
        insert.values(
            contact_id=contact_id, request_id=request_id, requested_at=requested_at
        ).on_conflict_do_nothing(index_elements=["contact_id"])
    )


def get_erased(session: Session, contact_id: uuid.UUID) -> ErasedContact | None:
    return session.get(ErasedContact, contact_id)


def orders_of(session: Session, contact_id: uuid.UUID, *, for_update: bool = False) -> list[Order]:
    """The contact's orders, oldest first."""
    stmt = select_models(Order).where(Order.contact_id == contact_id).order_by(col(Order.id))
    if for_update:
        stmt = stmt.with_for_update()
    return list(session.exec(stmt).all())


def quotes_of(session: Session, contact_id: uuid.UUID, *, for_update: bool = False) -> list[Quote]:
    stmt = select_models(Quote).where(Quote.contact_id == contact_id).order_by(col(Quote.id))
    if for_update:
        stmt = stmt.with_for_update()
    return list(session.exec(stmt).all())


def opportunities_of(
    session: Session, contact_id: uuid.UUID, *, for_update: bool = False
) -> list[Opportunity]:
    stmt = (
        select_models(Opportunity)
        .where(Opportunity.contact_id == contact_id)
        .order_by(col(Opportunity.id))
    )
    if for_update:
        stmt = stmt.with_for_update()
    return list(session.exec(stmt).all())


def erase_status_reasons(session: Session, order_ids: Sequence[uuid.UUID]) -> None:
    """The orders' status history keeps its steps; the reasons given (free text) are replaced."""
    if order_ids:
        session.exec(
            update(OrderStatusEntry)
            .where(col(OrderStatusEntry.order_id).in_(list(order_ids)))
            .where(col(OrderStatusEntry.reason).is_not(None))
            .values(reason=ERASED)
        )


def erase_lost_reasons(session: Session, opportunity_ids: Sequence[uuid.UUID]) -> None:
    """The opportunities' stage history keeps its steps; lost reasons (free text) are replaced."""
    if opportunity_ids:
        session.exec(
            update(StageEntry)
            .where(col(StageEntry.opportunity_id).in_(list(opportunity_ids)))
            .where(col(StageEntry.lost_reason).is_not(None))
            .values(lost_reason=ERASED)
        )


def outbox_rows_about(session: Session, keys: Sequence[str]) -> list[OutboxRecordBase]:
    """The outbox rows keyed by any of `keys` (the aggregate ids), in order."""
    if not keys:
        return []
    stmt = select_models(Outbox).where(col(Outbox.key).in_(list(keys))).order_by(col(Outbox.seq))
    return list(session.exec(stmt).all())


def stored_answers_about(
    session: Session, paths: Sequence[str], ids: Sequence[uuid.UUID]
) -> list[IdempotencyRecordBase]:
    """Stored idempotent answers of the creating routes at `paths` that mention one of `ids`."""
    if not ids:
        return []
    stmt = (
        select_models(IdempotencyRecord)
        .where(col(IdempotencyRecord.path).in_(list(paths)))
        .where(or_(*[col(IdempotencyRecord.response_body).contains(str(i)) for i in ids]))
    )
    return list(session.exec(stmt).all())
