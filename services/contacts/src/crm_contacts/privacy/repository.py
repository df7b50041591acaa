"""Every query of data rights: erasure requests and confirmations, and what an erasure clears in the
tables of the other concepts (timeline, tasks, consents, outbox, stored idempotent responses)."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, delete, null, or_, update
from sqlmodel import Session, col, select

from crm_common.pagination import Paged, SortKey, keyset_page
from crm_contacts.consents.models import Consent
from crm_contacts.contacts.models import Contact
from crm_contacts.db import IdempotencyRecord, Outbox
from crm_contacts.interactions.models import Interaction
from crm_contacts.privacy.models import ErasureConfirmation, ErasureRequest
from crm_contacts.privacy.scrub import ERASED
from crm_contacts.tasks.models import Task

OUTBOX_BATCH = 500


def request_of(session: Session, contact_id: uuid.UUID) -> ErasureRequest | None:
    stmt = select(ErasureRequest).where(col(ErasureRequest.contact_id) == contact_id)
    return session.exec(stmt).first()


def get_request(
    session: Session, request_id: uuid.UUID, *, for_update: bool = False
) -> ErasureRequest | None:
    stmt = select(ErasureRequest).where(col(ErasureRequest.id) == request_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def confirmations_of(session: Session, request_id: uuid.UUID) -> list[ErasureConfirmation]:
    stmt = select(ErasureConfirmation).where(col(ErasureConfirmation.request_id) == request_id)
    return list(session.exec(stmt).all())


def merged_into(
    session: Session, contact_id: uuid.UUID, *, for_update: bool = False
) -> list[Contact]:
    """Contacts merged into `contact_id` (merge pointers name the final survivor)."""
    stmt = (
        select(Contact).where(col(Contact.merged_into_id) == contact_id).order_by(col(Contact.id))
    )
    if for_update:
        stmt = stmt.with_for_update()
    return list(session.exec(stmt).all())


def erase_interactions(session: Session, contact_ids: Sequence[uuid.UUID]) -> None:
    """Free text and metadata of the contacts' timeline gone; what happened, when, stays."""
    subject = case((col(Interaction.subject).is_(None), null()), else_=ERASED)
    session.exec(
        update(Interaction)
        .where(col(Interaction.contact_id).in_(contact_ids))
        .values(subject=subject, body=None, details={})
    )


def erase_tasks(session: Session, contact_ids: Sequence[uuid.UUID], now: datetime) -> None:
    """The contacts' tasks keep their schedule and status; their titles say "erased"."""
    session.exec(
        update(Task)
        .where(col(Task.contact_id).in_(contact_ids))
        .values(title=ERASED, version=col(Task.version) + 1, updated_at=now)
    )


def delete_current_consents(session: Session, contact_ids: Sequence[uuid.UUID]) -> None:
    """Current consents go; their history (consent_changes) stays as the record."""
    session.exec(delete(Consent).where(col(Consent.contact_id).in_(contact_ids)))


def delete_stored_responses(session: Session, contact_ids: Sequence[uuid.UUID]) -> None:
    """Stored idempotent responses that name the contacts (a created contact, interaction or
    task): they hold copies of the personal data. A scan, but erasures are rare."""
    mentions = [col(IdempotencyRecord.response_body).contains(str(i)) for i in contact_ids]
    session.exec(delete(IdempotencyRecord).where(or_(*mentions)))


def outbox_batch(
    session: Session, keys: Sequence[str], after_seq: int
) -> list[tuple[int, str, str]]:
    """(seq, event type, envelope) of the outbox rows keyed by one of `keys` (events about those
    contacts), in order, after `after_seq`. The outbox has no index on the key: a scan, but
    erasures are rare."""
    stmt = (
        select(col(Outbox.seq), col(Outbox.event_type), col(Outbox.envelope))
        .where(col(Outbox.key).in_(keys), col(Outbox.seq) > after_seq)
        .order_by(col(Outbox.seq))
        .limit(OUTBOX_BATCH)
    )
    # seq is the primary key: never null in a row read back.
    return [(seq or 0, event_type, envelope) for seq, event_type, envelope in session.exec(stmt)]


def rewrite_envelope(session: Session, seq: int, envelope: str) -> None:
    session.exec(update(Outbox).where(col(Outbox.seq) == seq).values(envelope=envelope))


def tasks_page(
    session: Session, contact_id: uuid.UUID, limit: int, cursor: str | None
) -> Paged[Task]:
    """A contact's tasks in creation order."""
    stmt = select(Task).where(col(Task.contact_id) == contact_id)
    return keyset_page(session, stmt, [SortKey(col(Task.id))], limit, cursor)
