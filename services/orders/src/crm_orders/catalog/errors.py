"""Typed errors of the catalog; each renders once as problem+json."""

import uuid

from crm_common.errors import Conflict, FieldError, NotFound, Unprocessable


class ProductNotFound(NotFound):
    code, title = "product-not-found", "Product not found"

    def __init__(self, product_id: uuid.UUID) -> None:
        super().__init__(f"There is no product {product_id}.", product_id=str(product_id))


class DuplicateSku(Conflict):
    code, title = "duplicate-sku", "SKU already used"

    def __init__(self, sku: str) -> None:
        super().__init__(f"Another product already has the SKU {sku!r}.", sku=sku)


class CapacityBelowReserved(Conflict):
    code, title = "capacity-below-reserved", "Capacity below reserved places"

    def __init__(self, capacity: int, reserved: int) -> None:
        super().__init__(
            f"Placed orders hold {reserved} places; the capacity cannot drop to {capacity}.",
            reserved=reserved,
        )


class InvalidProduct(Unprocessable):
    """A product whose rules or options do not fit together; carries field errors."""

    code, title = "validation-error", "Validation failed"

    def __init__(self, errors: list[FieldError]) -> None:
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        super().__init__(detail, errors=errors)
