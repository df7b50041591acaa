"""Rules of data rights: what each consent purpose means, erasure (here at once, elsewhere confirmed
by events), and the export of everything this service holds about a person."""

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from crm_common.auth import Principal
from crm_common.db import utcnow
from crm_common.errors import Forbidden
from crm_common.events.contacts import ContactErased
from crm_common.events.envelope import CloudEvent
from crm_common.outbox import add_event
from crm_contacts.access import EVERYTHING
from crm_contacts.consents import service as consents
from crm_contacts.contacts import repository as contacts
from crm_contacts.contacts.errors import ContactMerged, ContactNotFound
from crm_contacts.contacts.models import Contact
from crm_contacts.contacts.service import SOURCE, require_visible, to_read, to_reads, visible
from crm_contacts.db import Outbox
from crm_contacts.interactions import repository as interactions
from crm_contacts.interactions.schemas import InteractionRead
from crm_contacts.interactions.service import to_read as interaction_read
from crm_contacts.loyalty import service as loyalty
from crm_contacts.privacy import repository
from crm_contacts.privacy.errors import ErasureNotFound
from crm_contacts.privacy.models import ErasureConfirmation, ErasureRequest
from crm_contacts.privacy.purposes import PURPOSES
from crm_contacts.privacy.schemas import (
    ContactData,
    ContactExport,
    ErasureRead,
    MergedContact,
    PurposeList,
    PurposeRead,
    ServiceErasure,
)
from crm_contacts.privacy.scrub import scrubbed
from crm_contacts.tasks.schemas import TaskRead
from crm_contacts.tasks.service import to_read as task_read

log = logging.getLogger("crm.contacts.privacy")

IN_PROGRESS, COMPLETED, PENDING = "in_progress", "completed", "pending"
EXPORT_PAGE = 200


def purposes() -> PurposeList:
    return PurposeList(
        purposes=[
            PurposeRead(
                purpose=purpose,
                title=text.title,
                description=text.description,
                data_used=list(text.data_used),
            )
            for purpose, text in PURPOSES.items()
        ]
    )


# --- erasure ---------------------------------------------------------------------------------------


def request_erasure(
    session: Session, contact_id: uuid.UUID, services: Sequence[str]
) -> tuple[ErasureRead, bool]:
    """Erase the contact's personal data here, in this transaction, and ask `services` to do the
    same (contact.erased). The request and True; the existing request and False when the contact's
    erasure was already requested."""
    contact = contacts.get(session, contact_id, for_update=True)
    if contact is None:
        raise ContactNotFound(contact_id)
    existing = repository.request_of(session, contact_id)
    if existing is not None:
        return _erasure_read(session, existing), False
    if contact.merged_into_id is not None:
        raise ContactMerged(contact_id, contact.merged_into_id)

    now = utcnow()
    erased = [contact, *repository.merged_into(session, contact.id, for_update=True)]
    ids = [c.id for c in erased]
    for each in erased:
        _anonymise(session, each, now)
    repository.erase_interactions(session, ids)
    repository.erase_tasks(session, ids, now)
    repository.delete_current_consents(session, ids)
    repository.delete_stored_responses(session, ids)
    for each_id in ids:
        loyalty.erase(session, each_id)
    _scrub_outbox(session, ids)

    request = ErasureRequest(
        contact_id=contact.id,
        status=IN_PROGRESS if services else COMPLETED,
        requested_at=now,
        completed_at=None if services else now,
    )
    session.add(request)
    session.flush()  # before the confirmations that refer to it (no ORM relationship orders them)
    session.add(
        ErasureConfirmation(
            request_id=request.id, service=SOURCE, status=COMPLETED, completed_at=now
        )
    )
    for service in services:
        session.add(ErasureConfirmation(request_id=request.id, service=service, status=PENDING))
    add_event(
        session,
        Outbox,
        ContactErased(contact_id=contact.id, request_id=request.id, requested_at=now),
        source=SOURCE,
        subject=str(contact.id),
    )
    return _erasure_read(session, request), True


def _anonymise(session: Session, contact: Contact, now: datetime) -> None:
    """Only the id, kind, owner and stage stay (what other services' records point at)."""
    contacts.delete_points(session, contact.id)
    contact.first_name = contact.last_name = contact.organization_name = None
    contact.organization_id = None
    contact.search_name = ""
    contact.attributes = {}
    contact.address = None
    contact.preferences = {}
    contact.rating = None
    contact.staff_comments = None
    contact.erased_at = now
    contact.version += 1
    contact.updated_at = now


def _scrub_outbox(session: Session, contact_ids: Sequence[uuid.UUID]) -> None:
    """Rewrite the outbox rows about the contacts, so that a re-send carries no personal data."""
    keys = [str(i) for i in contact_ids]
    after = 0
    while batch := repository.outbox_batch(session, keys, after):
        for seq, event_type, envelope in batch:
            event = CloudEvent.model_validate_json(envelope)
            data = scrubbed(event_type, event.data)
            if data != event.data:
                rewritten = event.model_copy(update={"data": data}).model_dump_json()
                repository.rewrite_envelope(session, seq, rewritten)
        after = batch[-1][0]


def erasure_of(session: Session, contact_id: uuid.UUID) -> ErasureRead:
    """The progress of the erasure of `contact_id`; 404 when none was requested."""
    request = repository.request_of(session, contact_id)
    if request is None:
        raise ErasureNotFound(contact_id)
    return _erasure_read(session, request)


def confirm_erasure(
    session: Session,
    service: str,
    request_id: uuid.UUID,
    contact_id: uuid.UUID,
    completed_at: datetime,
) -> None:
    """`service` anonymised its data for the request; the request completes with the last one.
    A confirmation of an unknown request, of another contact, or of a service the request does not
    wait for is logged and changes nothing; a repeated one changes nothing."""
    request = repository.get_request(session, request_id, for_update=True)
    if request is None or request.contact_id != contact_id:
        log.warning(
            "erasure confirmation of %s for unknown request %s (contact %s) skipped",
            service,
            request_id,
            contact_id,
        )
        return
    confirmations = repository.confirmations_of(session, request.id)
    confirmation = next((c for c in confirmations if c.service == service), None)
    if confirmation is None:
        log.warning("erasure request %s does not wait for %s; skipped", request_id, service)
        return
    if confirmation.status == COMPLETED:
        return
    confirmation.status, confirmation.completed_at = COMPLETED, completed_at
    if all(c.status == COMPLETED for c in confirmations):
        request.status = COMPLETED
        request.completed_at = max(c.completed_at or request.requested_at for c in confirmations)


def _erasure_read(session: Session, request: ErasureRequest) -> ErasureRead:
    confirmations = sorted(
        repository.confirmations_of(session, request.id),
        key=lambda c: (c.service != SOURCE, c.service),
    )
    return ErasureRead(
        id=request.id,
        contact_id=request.contact_id,
        status=request.status,
        requested_at=request.requested_at,
        completed_at=request.completed_at,
        services=[
            ServiceErasure(service=c.service, status=c.status, completed_at=c.completed_at)
            for c in confirmations
        ],
    )


# --- export ----------------------------------------------------------------------------------------


def may_export(principal: Principal, contact_id: uuid.UUID) -> bool:
    """Admins, and the customer whose contact it is."""
    if "admin" in principal.roles:
        return True
    try:
        return principal.is_customer and uuid.UUID(principal.contact_id or "") == contact_id
    except ValueError:
        return False


def export_contact(session: Session, contact_id: uuid.UUID, principal: Principal) -> ContactExport:
    """Everything held about the contact: the contact (staff-only fields for admins only), its
    whole timeline, its tasks, consents with their history, and the contacts merged into it."""
    if not may_export(principal, contact_id):
        raise Forbidden("Only an admin, or the customer themselves, may export a person's data.")
    contact = require_visible(session, contact_id, EVERYTHING)
    merged = repository.merged_into(session, contact.id)
    return ContactExport(
        contact_id=contact.id,
        data=ContactData(
            contact=visible(to_read(session, contact), principal),
            interactions=_all_interactions(session, contact.id),
            tasks=_all_tasks(session, contact.id),
            consents=consents.overview(session, contact.id, scope=EVERYTHING),
            loyalty=loyalty.export(session, contact.id),
            merged_contacts=[
                MergedContact(merged_at=m.merged_at, contact=visible(read, principal))
                for m, read in zip(merged, to_reads(session, merged), strict=True)
            ],
        ),
    )


def _all_interactions(session: Session, contact_id: uuid.UUID) -> list[InteractionRead]:
    """The whole timeline, newest first, read a page at a time."""
    reads: list[InteractionRead] = []
    cursor: str | None = None
    while True:
        rows, cursor = interactions.timeline_page(session, contact_id, EXPORT_PAGE, cursor)
        reads += [interaction_read(r) for r in rows]
        if cursor is None:
            return reads


def _all_tasks(session: Session, contact_id: uuid.UUID) -> list[TaskRead]:
    """Every task of the contact in creation order, read a page at a time."""
    reads: list[TaskRead] = []
    cursor: str | None = None
    while True:
        rows, cursor = repository.tasks_page(session, contact_id, EXPORT_PAGE, cursor)
        reads += [task_read(r) for r in rows]
        if cursor is None:
            return reads
