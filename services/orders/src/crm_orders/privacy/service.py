"""Data rights: a contact's export, and the erasure of what this service holds about a contact.

An erased contact's orders, quotes and opportunities are kept for accounting, pseudonymised
(`crm_orders.privacy.pseudonyms`): the delivery address keeps only its country, the customer
reference becomes a pseudonym, free text (cancel, reject and lost reasons, the reasons in the
status history, opportunity titles, which staff often write with the person's name) reads
"erased". The outbox rows about those orders and opportunities and the stored idempotent answers
holding them are rewritten alike, so a re-send or a replay carries no personal data.
"""

import json
import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session

from crm_common.auth import Principal
from crm_common.db import utcnow
from crm_common.errors import Forbidden
from crm_common.events.contacts import ContactErased
from crm_common.events.envelope import CloudEvent
from crm_common.events.orders import ErasureCompleted
from crm_common.outbox import add_event
from crm_orders.commerce import SOURCE
from crm_orders.db import Outbox
from crm_orders.me import service as me
from crm_orders.opportunities import service as opportunities
from crm_orders.orders import service as orders
from crm_orders.privacy import pseudonyms, repository
from crm_orders.privacy.schemas import ContactExport, CustomerExportData, StaffExportData
from crm_orders.quotes import service as quotes

EXPORT_ROLES = frozenset({"admin"})
# The creating routes whose stored idempotent answers are a whole order, or opportunity.
ORDER_PATHS = ("/v1/orders", "/v1/me/orders")
OPPORTUNITY_PATHS = ("/v1/opportunities",)


# --- export ----------------------------------------------------------------------------------------


def export_contact(session: Session, contact_id: uuid.UUID, principal: Principal) -> ContactExport:
    """Everything held about the contact: as staff see it for an admin, as the customer sees it
    for the contact's own customer token; 403 for anyone else."""
    if principal.has_any(EXPORT_ROLES):
        return ContactExport(contact_id=contact_id, data=_staff_data(session, contact_id))
    if principal.is_customer and me.contact_of(principal) == contact_id:
        staff = _staff_data(session, contact_id)
        data = CustomerExportData(
            orders=[me.my_order(read) for read in staff.orders],
            quotes=me.my_quotes(staff.quotes),
            opportunities=me.my_opportunities(staff.opportunities),
        )
        return ContactExport(contact_id=contact_id, data=data)
    raise Forbidden("Only an admin or the customer themselves may export a contact's data.")


def _staff_data(session: Session, contact_id: uuid.UUID) -> StaffExportData:
    return StaffExportData(
        orders=orders.to_reads(session, repository.orders_of(session, contact_id)),
        quotes=[quotes.to_read(q) for q in repository.quotes_of(session, contact_id)],
        opportunities=[
            opportunities.read(session, o) for o in repository.opportunities_of(session, contact_id)
        ],
    )


# --- erasure ---------------------------------------------------------------------------------------


def erase_contact(session: Session, request: ContactErased) -> int:
    """Pseudonymise the contact's records, remember the contact as erased, and publish
    ErasureCompleted naming the request; returns how many orders, quotes and opportunities were
    kept pseudonymised. Running it again changes nothing more (and confirms again)."""
    contact_id = request.contact_id
    repository.add_erased(session, contact_id, request.request_id, request.requested_at)
    now = utcnow()
    order_rows = repository.orders_of(session, contact_id, for_update=True)
    for order in order_rows:
        _apply(
            session,
            order,
            now,
            delivery_address=pseudonyms.address(order.delivery_address),
            cancel_reason=pseudonyms.text(order.cancel_reason),
            pseudonymised_at=order.pseudonymised_at or now,
        )
    quote_rows = repository.quotes_of(session, contact_id, for_update=True)
    for quote in quote_rows:
        _apply(session, quote, now, reject_reason=pseudonyms.text(quote.reject_reason))
    opportunity_rows = repository.opportunities_of(session, contact_id, for_update=True)
    for opportunity in opportunity_rows:
        _apply(
            session,
            opportunity,
            now,
            title=pseudonyms.ERASED,
            lost_reason=pseudonyms.text(opportunity.lost_reason),
        )
    order_ids = [o.id for o in order_rows]
    opportunity_ids = [o.id for o in opportunity_rows]
    repository.erase_status_reasons(session, order_ids)
    repository.erase_lost_reasons(session, opportunity_ids)
    _rewrite_outbox(session, contact_id, [str(i) for i in order_ids + opportunity_ids])
    _rewrite_stored_answers(session, contact_id, order_ids, opportunity_ids)
    records = len(order_rows) + len(quote_rows) + len(opportunity_rows)
    add_event(
        session,
        Outbox,
        ErasureCompleted(
            request_id=request.request_id,
            contact_id=contact_id,
            completed_at=now,
            records=records,
        ),
        source=SOURCE,
        subject=str(contact_id),
    )
    return records


def _apply(session: Session, row: Any, now: datetime, **values: Any) -> None:
    """Set `values` on `row`; when one changed, it gets a new version."""
    changed = {field: value for field, value in values.items() if getattr(row, field) != value}
    if not changed:
        return
    for field, value in changed.items():
        setattr(row, field, value)
    row.version += 1
    row.updated_at = now
    session.add(row)


def _rewrite_outbox(session: Session, contact_id: uuid.UUID, keys: list[str]) -> None:
    """The outbox rows about the records, as a re-send (after the broker lost them) may carry
    them: same event ids, schema-valid payloads, no personal data."""
    for row in repository.outbox_rows_about(session, keys):
        envelope = CloudEvent.model_validate_json(row.envelope)
        data = pseudonyms.event_data(envelope.type, envelope.data, contact_id)
        if data != envelope.data:
            row.envelope = envelope.model_copy(update={"data": data}).model_dump_json()
            session.add(row)


def _rewrite_stored_answers(
    session: Session,
    contact_id: uuid.UUID,
    order_ids: list[uuid.UUID],
    opportunity_ids: list[uuid.UUID],
) -> None:
    """Stored answers of the routes that create orders and opportunities, holding the contact's:
    a replay answers the record without the person's data."""
    for paths, ids, scrub in (
        (ORDER_PATHS, order_ids, lambda body: pseudonyms.order_document(body, contact_id)),
        (OPPORTUNITY_PATHS, opportunity_ids, pseudonyms.opportunity_document),
    ):
        wanted = {str(i) for i in ids}
        for record in repository.stored_answers_about(session, paths, ids):
            body = json.loads(record.response_body)
            if isinstance(body, dict) and body.get("id") in wanted:
                answer = json.dumps(scrub(body), ensure_ascii=False, separators=(",", ":"))
                record.response_body = answer
                session.add(record)
