"""Every query on products, including the conditional updates that reserve and release capacity."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Integer, bindparam, func, update
from sqlalchemy import select as core_select
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


@dataclass(frozen=True, slots=True)
class ProductHead:
    """The small columns of a product: what pricing and the configurator read besides its
    definition (base price, options, rules), which the configurator compiles once per version."""

    id: uuid.UUID
    version: int
    sku: str
    name: str
    category: str
    active: bool
    currency: str

    @classmethod
    def of(cls, product: Product) -> "ProductHead":
        return cls(
            product.id,
            product.version,
            product.sku,
            product.name,
            product.category,
            product.active,
            product.currency,
        )


_products = table_of(Product)
# Statements of the hot paths, built once (their values are parameters), so each run is a cache hit.
_HEADS = core_select(
    _products.c.id,
    _products.c.version,
    _products.c.sku,
    _products.c.name,
    _products.c.category,
    _products.c.active,
    _products.c.currency,
).where(_products.c.id.in_(bindparam("ids", expanding=True)))
_QUANTITY = bindparam("quantity", type_=Integer)
_RESERVE = (
    update(_products)
    .where(
        _products.c.id == bindparam("product_id"),
        _products.c.capacity.is_(None) | (_products.c.reserved + _QUANTITY <= _products.c.capacity),
    )
    .values(reserved=_products.c.reserved + _QUANTITY)
)


def heads_of(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ProductHead]:
    """The heads of the products among `ids` that exist: one narrow select, leaving out the JSON
    columns of options and rules (large for a product with many rules)."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = session.connection().execute(_HEADS, {"ids": wanted})
    return {row.id: ProductHead(*row) for row in rows}


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
    result = session.connection().execute(
        _RESERVE, {"product_id": product_id, "quantity": quantity}
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
