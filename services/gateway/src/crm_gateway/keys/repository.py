"""Every query on API keys."""

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from crm_common.pagination import Paged, SortKey, keyset_page
from crm_gateway.keys.models import ApiKey

# Ids are UUIDv7, so the primary key alone orders keys by creation.
LIST_ORDER = [SortKey(col(ApiKey.id))]


def get(session: Session, key_id: uuid.UUID) -> ApiKey | None:
    return session.get(ApiKey, key_id)


def get_by_hash(session: Session, key_hash: str) -> ApiKey | None:
    return session.exec(select(ApiKey).where(col(ApiKey.key_hash) == key_hash)).first()


def list_page(
    session: Session, *, include_revoked: bool, limit: int, cursor: str | None
) -> Paged[ApiKey]:
    stmt = select(ApiKey)
    if not include_revoked:
        stmt = stmt.where(col(ApiKey.revoked_at).is_(None))
    return keyset_page(session, stmt, LIST_ORDER, limit, cursor)


def touch(session: Session, key_id: uuid.UUID, at: datetime) -> None:
    session.execute(update(ApiKey).where(col(ApiKey.id) == key_id).values(last_used_at=at))
