"""Every query on the loyalty programme, accounts and ledger entries."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from crm_common.db import conflict_insert, table_of
from crm_common.pagination import Paged, SortKey, keyset_page
from crm_contacts.loyalty.models import PROGRAMME_ID, LoyaltyAccount, LoyaltyEntry, LoyaltyProgramme

ERASED = "erased"


def get_programme(session: Session, *, for_update: bool = False) -> LoyaltyProgramme | None:
    stmt = select(LoyaltyProgramme).where(LoyaltyProgramme.id == PROGRAMME_ID)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.exec(stmt).first()


def insert_programme_unless_present(session: Session, values: dict[str, Any]) -> None:
    """Store the programme `values` unless a programme row exists (two first changes at once
    both find the row afterwards)."""
    insert = conflict_insert(session.get_bind().dialect.name)
    stmt = insert(table_of(LoyaltyProgramme)).values(id=PROGRAMME_ID, **values)
    session.exec(stmt.on_conflict_do_nothing(index_elements=["id"]))


def get_account(
    session: Session, contact_id: uuid.UUID, *, for_update: bool = False
) -> LoyaltyAccount | None:
    stmt = select(LoyaltyAccount).where(LoyaltyAccount.contact_id == contact_id)
    if for_update:
        # The row as the lock found it, not as this session may have read it before.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.exec(stmt).first()


def insert_account_unless_present(session: Session, contact_id: uuid.UUID, now: datetime) -> None:
    insert = conflict_insert(session.get_bind().dialect.name)
    stmt = insert(table_of(LoyaltyAccount)).values(
        contact_id=contact_id, balance=0, earned=0, last_seq=0, created_at=now, updated_at=now
    )
    session.exec(stmt.on_conflict_do_nothing(index_elements=["contact_id"]))


def open_lots(session: Session, contact_id: uuid.UUID) -> list[LoyaltyEntry]:
    """The credit entries of `contact_id` with points unspent, in ledger order (as stored now)."""
    stmt = (
        select(LoyaltyEntry)
        .where(col(LoyaltyEntry.contact_id) == contact_id, col(LoyaltyEntry.unspent) > 0)
        .order_by(col(LoyaltyEntry.seq))
        .execution_options(populate_existing=True)
    )
    return list(session.exec(stmt).all())


def earned_for_order(session: Session, order_id: uuid.UUID) -> bool:
    """Whether a delivered order `order_id` already earned points (for any contact)."""
    stmt = select(LoyaltyEntry.id).where(
        col(LoyaltyEntry.order_id) == order_id, col(LoyaltyEntry.kind) == "earn"
    )
    return session.exec(stmt).first() is not None


def entries_page(
    session: Session, contact_id: uuid.UUID, limit: int, cursor: str | None
) -> Paged[LoyaltyEntry]:
    """A contact's entries, newest first."""
    stmt = select(LoyaltyEntry).where(col(LoyaltyEntry.contact_id) == contact_id)
    return keyset_page(
        session, stmt, [SortKey(col(LoyaltyEntry.seq), descending=True)], limit, cursor
    )


def all_entries(session: Session, contact_id: uuid.UUID) -> list[LoyaltyEntry]:
    """Every entry of a contact, in ledger order."""
    stmt = (
        select(LoyaltyEntry)
        .where(col(LoyaltyEntry.contact_id) == contact_id)
        .order_by(col(LoyaltyEntry.seq))
    )
    return list(session.exec(stmt).all())


def clear_reasons(session: Session, contact_id: uuid.UUID) -> int:
    """Replace the reasons of a contact's entries (free text) with "erased"; how many changed."""
    result = session.exec(
        update(LoyaltyEntry)
        .where(
            col(LoyaltyEntry.contact_id) == contact_id,
            col(LoyaltyEntry.reason).is_not(None),
            col(LoyaltyEntry.reason) != ERASED,
        )
        .values(reason=ERASED)
    )
    return int(result.rowcount)
