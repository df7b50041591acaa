"""Every query on pipelines."""

import uuid

from sqlalchemy import update
from sqlmodel import Session, col, select

from crm_common.pagination import Paged, SortKey, keyset_page
from crm_orders.pipelines.models import Pipeline


def get(session: Session, pipeline_id: uuid.UUID, *, for_update: bool = False) -> Pipeline | None:
    stmt = select(Pipeline).where(Pipeline.id == pipeline_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def get_default(session: Session) -> Pipeline | None:
    return session.exec(select(Pipeline).where(col(Pipeline.is_default).is_(True))).first()


def name_taken(session: Session, name: str, exclude: uuid.UUID | None = None) -> bool:
    stmt = select(Pipeline.id).where(col(Pipeline.name) == name)
    if exclude is not None:
        stmt = stmt.where(col(Pipeline.id) != exclude)
    return session.exec(stmt).first() is not None


def all_pipelines(session: Session) -> list[Pipeline]:
    return list(session.exec(select(Pipeline).order_by(col(Pipeline.id))).all())


def clear_default(session: Session) -> None:
    """No pipeline is the default any more (the caller makes another one the default)."""
    session.exec(
        update(Pipeline).where(col(Pipeline.is_default).is_(True)).values(is_default=False)
    )


def list_page(session: Session, limit: int, cursor: str | None) -> Paged[Pipeline]:
    return keyset_page(session, select(Pipeline), [SortKey(col(Pipeline.id))], limit, cursor)
