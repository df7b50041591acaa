"""Typed errors of orders; each renders once as problem+json."""

import uuid

from crm_common.errors import Conflict, NotFound


class OrderNotFound(NotFound):
    code, title = "order-not-found", "Order not found"

    def __init__(self, order_id: uuid.UUID) -> None:
        super().__init__(f"There is no order {order_id}.", order_id=str(order_id))


class SoldOut(Conflict):
    code, title = "sold-out", "Sold out"

    def __init__(self, product_id: uuid.UUID, sku: str, requested: int, available: int) -> None:
        super().__init__(
            f"{sku} has {available} places left; {requested} were requested.",
            product_id=str(product_id),
            sku=sku,
            requested=requested,
            available=available,
        )


class IllegalTransition(Conflict):
    """The order's current state does not allow the change; the body carries that state."""

    code, title = "illegal-transition", "Not allowed in the order's current state"

    def __init__(self, number: str, current: str, wanted: str, version: int) -> None:
        super().__init__(
            f"Order {number} is {current}; it cannot become {wanted}.",
            current_status=current,
            requested_status=wanted,
            version=version,
        )


class NotAmendable(Conflict):
    code, title = "order-not-amendable", "Order can no longer be amended"

    def __init__(self, number: str, current: str, version: int) -> None:
        super().__init__(
            f"Order {number} is {current}; only draft and placed orders can be amended.",
            current_status=current,
            version=version,
        )
