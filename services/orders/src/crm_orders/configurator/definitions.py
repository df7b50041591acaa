"""Compiled rule-engine definitions of stored products, cached by (product id, version)."""

import threading
import uuid
from decimal import Decimal

from crm_orders.catalog.models import Product
from crm_orders.configurator import engine

_CACHE_SIZE = 512
_cache: dict[tuple[uuid.UUID, int], engine.Product] = {}
_lock = threading.Lock()


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
