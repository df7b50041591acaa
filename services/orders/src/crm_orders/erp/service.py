"""Applying the ERP's status reports: idempotent by the ERP's event id, in order, legal moves only."""

import hashlib
import json
import uuid

from sqlmodel import Session

from crm_common.auth import Principal
from crm_common.events.orders import Tracking
from crm_orders.access import EVERYTHING
from crm_orders.erp import repository
from crm_orders.erp.errors import ErpEventReused, OutOfOrder
from crm_orders.erp.models import ErpStatusEvent
from crm_orders.erp.schemas import ErpStatusReport
from crm_orders.orders import service as orders
from crm_orders.orders.schemas import OrderRead


def report_hash(order_id: uuid.UUID, report: ErpStatusReport) -> str:
    canonical = json.dumps([str(order_id), report.model_dump(mode="json")], sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def apply_report(
    session: Session, order_id: uuid.UUID, report: ErpStatusReport, principal: Principal
) -> OrderRead:
    """The order after `report`. A report seen before answers the current order unchanged (422 if
    its body differs); one older than the last applied report, or an illegal move, is 409."""
    order = orders.require(session, order_id, EVERYTHING, for_update=True)  # ERP: every order
    digest = report_hash(order_id, report)
    seen = repository.get(session, report.erp_event_id)
    if seen is not None:
        if seen.request_hash != digest:
            raise ErpEventReused(report.erp_event_id)
        return orders.to_read(session, order)
    if order.last_erp_at is not None and report.occurred_at < order.last_erp_at:
        raise OutOfOrder(
            order.number, order.status, order.last_erp_at, report.occurred_at, order.version
        )
    order.last_erp_at = report.occurred_at
    read = orders.change_status(
        session,
        order,
        report.status,
        source="erp",
        actor=principal.id,
        occurred_at=report.occurred_at,
        tracking=None if report.tracking is None else Tracking(**report.tracking.model_dump()),
        erp_event_id=report.erp_event_id,
        erp_order_number=report.erp_order_number,
    )
    repository.insert(
        session,
        ErpStatusEvent(erp_event_id=report.erp_event_id, order_id=order.id, request_hash=digest),
    )
    return read
