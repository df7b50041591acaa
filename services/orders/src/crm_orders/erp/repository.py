"""Queries on applied ERP reports."""

from sqlmodel import Session

from crm_orders.erp.models import ErpStatusEvent


def get(session: Session, erp_event_id: str) -> ErpStatusEvent | None:
    return session.get(ErpStatusEvent, erp_event_id)


def insert(session: Session, record: ErpStatusEvent) -> None:
    session.add(record)
    session.flush()
