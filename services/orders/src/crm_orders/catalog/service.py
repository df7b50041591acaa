"""Rules of the catalog: unique SKUs, rules that name only the product's own options, capacity that
never drops below what placed orders hold, versions and events."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from crm_common.db import utcnow
from crm_common.errors import FieldError
from crm_common.events.orders import ProductCreated, ProductSnapshot, ProductUpdated
from crm_common.http import check_if_match
from crm_common.outbox import add_event
from crm_common.pagination import Paged
from crm_orders.catalog import repository
from crm_orders.catalog.errors import (
    CapacityBelowReserved,
    DuplicateSku,
    InvalidProduct,
    ProductNotFound,
)
from crm_orders.catalog.models import Product
from crm_orders.catalog.repository import ProductFilters
from crm_orders.catalog.schemas import (
    ConfigurationRule,
    OptionGroupIn,
    ProductCreate,
    ProductRead,
    ProductUpdate,
)
from crm_orders.commerce import SOURCE
from crm_orders.db import Outbox

_SCALARS = (
    "sku",
    "name",
    "category",
    "description",
    "base_price",
    "currency",
    "active",
    "variant_group",
    "capacity",
)


def require(session: Session, product_id: uuid.UUID, *, for_update: bool = False) -> Product:
    product = repository.get(session, product_id, for_update=for_update)
    if product is None:
        raise ProductNotFound(product_id)
    return product


def to_read(product: Product) -> ProductRead:
    return ProductRead.model_validate(
        {
            **product.model_dump(),
            "available": None
            if product.capacity is None
            else max(product.capacity - product.reserved, 0),
        }
    )


def snapshot(product: Product) -> ProductSnapshot:
    return ProductSnapshot.model_validate(product.model_dump())


def get_product(session: Session, product_id: uuid.UUID) -> ProductRead:
    return to_read(require(session, product_id))


def list_products(
    session: Session, filters: ProductFilters, limit: int, cursor: str | None
) -> Paged[ProductRead]:
    rows, next_cursor = repository.list_page(session, filters, limit, cursor)
    return [to_read(p) for p in rows], next_cursor


def create_product(session: Session, data: ProductCreate) -> ProductRead:
    errors = check_definition(data.options, data.rules)
    if errors:
        raise InvalidProduct(errors)
    if repository.sku_taken(session, data.sku):
        raise DuplicateSku(data.sku)
    now = utcnow()
    product = Product(
        **data.model_dump(include=set(_SCALARS)),
        options=_stored_options(data.options),
        rules=_stored_rules(data.rules),
        created_at=now,
        updated_at=now,
    )
    repository.insert(session, product)
    add_event(
        session,
        Outbox,
        ProductCreated(product=snapshot(product)),
        source=SOURCE,
        subject=str(product.id),
    )
    return to_read(product)


def update_product(
    session: Session, product_id: uuid.UUID, data: ProductUpdate, if_match: str | None
) -> ProductRead:
    """Apply the fields that were sent; bumps the version and publishes only when something changed."""
    product = require(session, product_id, for_update=True)
    check_if_match(if_match, product.version)
    sent = data.model_fields_set
    changes: dict[str, Any] = data.model_dump(include=set(_SCALARS) & sent)
    if "options" in sent and data.options is not None:
        changes["options"] = _stored_options(data.options)
    if "rules" in sent and data.rules is not None:
        changes["rules"] = _stored_rules(data.rules)
    options = data.options if data.options is not None else _options_of(product)
    rules = data.rules if data.rules is not None else _rules_of(product)
    if {"options", "rules"} & sent:
        errors = check_definition(options, rules)
        if errors:
            raise InvalidProduct(errors)
    if "sku" in changes and repository.sku_taken(session, changes["sku"], exclude=product.id):
        raise DuplicateSku(changes["sku"])
    capacity = changes.get("capacity")
    if capacity is not None and capacity < product.reserved:
        raise CapacityBelowReserved(capacity, product.reserved)
    changed = sorted(field for field, value in changes.items() if getattr(product, field) != value)
    if not changed:
        return to_read(product)
    for field in changed:
        setattr(product, field, changes[field])
    product.version += 1
    product.updated_at = utcnow()
    session.add(product)
    session.flush()
    add_event(
        session,
        Outbox,
        ProductUpdated(product=snapshot(product), changed_fields=changed),
        source=SOURCE,
        subject=str(product.id),
    )
    return to_read(product)


# --- rules -----------------------------------------------------------------------------------------


def check_definition(
    options: Sequence[OptionGroupIn], rules: Sequence[ConfigurationRule]
) -> list[FieldError]:
    """Unique groups and codes; rules naming only existing groups and values."""
    errors: list[FieldError] = []
    values: dict[str, set[str]] = {}
    for i, group in enumerate(options):
        if group.group in values:
            errors.append(
                FieldError(
                    field=f"body.options.{i}.group",
                    message=f"the group {group.group!r} is defined twice",
                    code="duplicate_group",
                )
            )
            continue
        codes: set[str] = set()
        for j, value in enumerate(group.values):
            if value.code in codes:
                errors.append(
                    FieldError(
                        field=f"body.options.{i}.values.{j}.code",
                        message=f"the value {value.code!r} is defined twice in {group.group!r}",
                        code="duplicate_value",
                    )
                )
            codes.add(value.code)
        values[group.group] = codes
    for i, rule in enumerate(rules):
        parts = (("if", rule.if_), ("excludes", rule.excludes), ("requires", rule.requires))
        for part, pairs in parts:
            for name, code in (pairs or {}).items():
                where = f"body.rules.{i}.{part}.{name}"
                if name not in values:
                    errors.append(
                        FieldError(
                            field=where,
                            message=f"the product has no option group {name!r}",
                            code="unknown_group",
                        )
                    )
                elif code not in values[name]:
                    errors.append(
                        FieldError(
                            field=where,
                            message=f"{code!r} is not a value of {name!r}",
                            code="unknown_value",
                        )
                    )
    return errors


def _stored_options(options: Sequence[OptionGroupIn]) -> list[dict[str, Any]]:
    return [o.model_dump(mode="json") for o in options]


def _stored_rules(rules: Sequence[ConfigurationRule]) -> list[dict[str, Any]]:
    return [r.model_dump(mode="json", by_alias=True, exclude_none=True) for r in rules]


def _options_of(product: Product) -> list[OptionGroupIn]:
    return [OptionGroupIn.model_validate(o) for o in product.options]


def _rules_of(product: Product) -> list[ConfigurationRule]:
    return [ConfigurationRule.model_validate(r) for r in product.rules]
