"""Compiled rule-engine definitions of stored products, cached by (product id, version).

Every change of a product bumps its version, so a cached definition is the product's as long as its
version is: `current` reads only the products' small columns and loads (and parses) the whole rows,
with their options and rules, only for the versions it has not compiled yet.
"""

import threading
import uuid
from collections.abc import Iterable
from decimal import Decimal

from sqlmodel import Session

from crm_orders.catalog import repository
from crm_orders.catalog.models import Product
from crm_orders.catalog.repository import ProductHead
from crm_orders.configurator import engine

_CACHE_SIZE = 512
_cache: dict[tuple[uuid.UUID, int], engine.Product] = {}
_lock = threading.Lock()


def current(
    session: Session, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, tuple[ProductHead, engine.Product]]:
    """The products among `ids` that exist, each with its compiled definition. A product whose
    version is not compiled yet is read whole, and its head taken from that same row."""
    heads = repository.heads_of(session, ids)
    found: dict[uuid.UUID, tuple[ProductHead, engine.Product]] = {}
    missing: list[uuid.UUID] = []
    for product_id, head in heads.items():
        with _lock:
            compiled = _cache.get((product_id, head.version))
        if compiled is None:
            missing.append(product_id)
        else:
            found[product_id] = (head, compiled)
    if missing:
        for product_id, product in repository.get_many(session, missing).items():
            found[product_id] = (ProductHead.of(product), definition(product))
    return found


def definition(product: Product) -> engine.Product:
    """The engine's form of `product` (compiled once per version)."""
    key = (product.id, product.version)
    with _lock:
        found = _cache.get(key)
    if found is not None:
        return found
    compiled = engine.compile_product(
        Decimal(product.base_price),
        [
            engine.OptionSpec(
                group=o["group"],
                required=bool(o.get("required", False)),
                values={v["code"]: Decimal(str(v["price_delta"])) for v in o["values"]},
            )
            for o in product.options
        ],
        [
            engine.RuleSpec(
                when=r["if"], excludes=r.get("excludes") or {}, requires=r.get("requires") or {}
            )
            for r in product.rules
        ],
    )
    with _lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[key] = compiled
    return compiled
