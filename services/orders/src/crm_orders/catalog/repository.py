"""Every query on products, including the conditional updates that reserve and release capacity."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from crm_common.db import table_of
from crm_common.pagination import Paged, SortKey, keyset_page
from crm_orders.catalog.models import Product


@dataclass(frozen=True)
class ProductFilters:
    category: str | None = None
    variant_group: str | None = None
    active: bool | None = None
    q: str | None = None


def get(session: Session, product_id: uuid.UUID, *, for_update: bool = False) -> Product | None:
    stmt = select(Product).where(Product.id == product_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def get_many(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Product]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {p.id: p for p in session.exec(select(Product).where(col(Product.id).in_(wanted)))}


def sku_taken(session: Session, sku: str, exclude: uuid.UUID | None = None) -> bool:
    stmt = select(Product.id).where(Product.sku == sku)
    if exclude is not None:
        stmt = stmt.where(Product.id != exclude)
    return session.exec(stmt).first() is not None


def insert(session: Session, product: Product) -> None:
    session.add(product)
    session.flush()


def list_page(
    session: Session, filters: ProductFilters, limit: int, cursor: str | None
) -> Paged[Product]:
    """Products matching `filters` in id (creation) order."""
    stmt = select(Product)
    if filters.category is not None:
        stmt = stmt.where(Product.category == filters.category)
    if filters.variant_group is not None:
        stmt = stmt.where(Product.variant_group == filters.variant_group)
    if filters.active is not None:
        stmt = stmt.where(Product.active == filters.active)
    if filters.q is not None:
        needle = filters.q.lower()
        stmt = stmt.where(
            func.lower(col(Product.name)).contains(needle, autoescape=True)
            | func.lower(col(Product.sku)).contains(needle, autoescape=True)
        )
    return keyset_page(session, stmt, [SortKey(col(Product.id))], limit, cursor)


def reserve(session: Session, product_id: uuid.UUID, quantity: int) -> bool:
    """Take `quantity` places in one conditional update: False (nothing changed) when fewer remain.
    Unlimited products count their reservations too, so that a capacity set later starts right.

    The check and the increment are one statement, so concurrent orders cannot both take the last
    places: PostgreSQL re-checks the condition on the locked row, SQLite runs writers one at a time.
    """
    products = table_of(Product)
    result = session.connection().execute(
        update(products)
        .where(
            products.c.id == product_id,
            products.c.capacity.is_(None) | (products.c.reserved + quantity <= products.c.capacity),
        )
        .values(reserved=products.c.reserved + quantity)
    )
    return bool(result.rowcount == 1)


def release(session: Session, product_id: uuid.UUID, quantity: int) -> None:
    """Give back `quantity` places (never below zero)."""
    products = table_of(Product)
    session.connection().execute(
        update(products)
        .where(products.c.id == product_id)
        .values(
            reserved=func.max(products.c.reserved - quantity, 0)
            if session.get_bind().dialect.name == "sqlite"
            else func.greatest(products.c.reserved - quantity, 0)
        )
    )
