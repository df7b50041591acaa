"""Typed errors of the ERP integration."""

from datetime import datetime

from crm_common.errors import Conflict, Unprocessable


class ErpEventReused(Unprocessable):
    code, title = "erp-event-reused", "ERP event id reused with another report"

    def __init__(self, erp_event_id: str) -> None:
        super().__init__(
            f"The ERP event {erp_event_id!r} was already applied with another body.",
            erp_event_id=erp_event_id,
        )


class OutOfOrder(Conflict):
    """A report older than the last applied one; the body carries the current state."""

    code, title = "out-of-order", "Older than the last ERP update"

    def __init__(
        self, number: str, current: str, last_at: datetime, occurred_at: datetime, version: int
    ) -> None:
        super().__init__(
            f"Order {number} was last updated by the ERP at {last_at.isoformat()}; "
            f"a report from {occurred_at.isoformat()} comes too late.",
            current_status=current,
            last_erp_update_at=last_at.isoformat(),
            version=version,
        )
