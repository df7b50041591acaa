"""Every query on the audit log."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from crm_common.db import table_of
from crm_common.pagination import Paged, SortKey, keyset_page
from crm_gateway.audit.models import AuditEntry

NEWEST_FIRST = [SortKey(col(AuditEntry.seq), descending=True)]
INSERT = insert(table_of(AuditEntry))


def append(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Add entries in one statement."""
    if rows:
        session.execute(INSERT, list(rows))


def page(
    session: Session,
    *,
    contact_id: uuid.UUID | None,
    principal_id: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    cursor: str | None,
) -> Paged[AuditEntry]:
    stmt = select(AuditEntry)
    if contact_id is not None:
        stmt = stmt.where(col(AuditEntry.contact_id) == contact_id)
    if principal_id is not None:
        stmt = stmt.where(col(AuditEntry.principal_id) == principal_id)
    if since is not None:
        stmt = stmt.where(col(AuditEntry.at) >= since)
    if until is not None:
        stmt = stmt.where(col(AuditEntry.at) < until)
    return keyset_page(session, stmt, NEWEST_FIRST, limit, cursor)


def of_contact(session: Session, contact_id: uuid.UUID, limit: int) -> list[AuditEntry]:
    """Who read or changed the contact's data, newest first (for the person's export)."""
    stmt = (
        select(AuditEntry)
        .where(col(AuditEntry.contact_id) == contact_id)
        .order_by(col(AuditEntry.seq).desc())
        .limit(limit)
    )
    return list(session.exec(stmt).all())
