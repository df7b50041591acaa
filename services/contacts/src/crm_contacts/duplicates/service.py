"""Finding likely duplicates of a contact, and merging one into another."""

import uuid

from sqlmodel import Session

from crm_common.db import utcnow
from crm_common.errors import FieldError
from crm_common.events.contacts import ContactMerged as ContactMergedEvent
from crm_common.http import check_if_match
from crm_common.outbox import add_event
from crm_contacts.access import RowScope
from crm_contacts.consents import repository as consents
from crm_contacts.consents.models import Consent
from crm_contacts.consents.service import publish as publish_consent
from crm_contacts.contacts import repository as contacts
from crm_contacts.contacts.errors import (
    ContactErased,
    ContactMerged,
    ContactNotFound,
    InvalidContact,
    MergeConflict,
)
from crm_contacts.contacts.models import Contact
from crm_contacts.contacts.schemas import MAX_ASSIGNEES, ContactRead
from crm_contacts.contacts.service import (
    SOURCE,
    dedupe,
    publish_updated,
    require_visible,
    snapshot,
    to_read,
    to_reads,
    touch,
)
from crm_contacts.db import Outbox
from crm_contacts.duplicates.matching import ContactProfile, rank
from crm_contacts.duplicates.schemas import DuplicateCandidate
from crm_contacts.interactions import repository as interactions
from crm_contacts.loyalty import service as loyalty
from crm_contacts.tasks import repository as tasks

MAX_CANDIDATES = 20


def profile(read: ContactRead) -> ContactProfile:
    return ContactProfile(
        id=read.id,
        kind=read.kind,
        first_name=read.first_name,
        last_name=read.last_name,
        organization_name=read.organization_name,
        organization_id=read.organization_id,
        emails=frozenset(e.address for e in read.emails),
        phones=frozenset(p.number for p in read.phones),
    )


def find_duplicates(
    session: Session, contact_id: uuid.UUID, scope: RowScope
) -> list[DuplicateCandidate]:
    """Active contacts in `scope` that are likely the same as `contact_id`, best first."""
    contact = require_visible(session, contact_id, scope)
    target = to_read(session, contact)
    ids = contacts.ids_sharing_emails(session, [e.address for e in target.emails], contact.id)
    ids |= contacts.ids_sharing_phones(session, [p.number for p in target.phones], contact.id)
    if contact.kind == "person":
        ids |= contacts.ids_in_same_organization(session, contact)
    elif words := (contact.organization_name or "").lower().split():
        # Same first letters as the lower-cased name kept for search; similarity decides the rest.
        ids |= contacts.organization_ids_named_like(session, contact, words[0][:3])
    found = contacts.get_many_active(session, ids, scope)
    candidates = {c.id: c for c in to_reads(session, found)}
    matches = rank(profile(target), [profile(c) for c in candidates.values()])
    return [
        DuplicateCandidate(contact=candidates[m.id], score=m.score, reasons=list(m.reasons))
        for m in matches[:MAX_CANDIDATES]
    ]


def merge(
    session: Session,
    survivor_id: uuid.UUID,
    duplicate_id: uuid.UUID,
    if_match: str | None,
    scope: RowScope,
) -> ContactRead:
    """Merge `duplicate_id` into `survivor_id` (both in `scope`): its contact points (each once),
    assignees and owner (as an assignee), timeline, tasks and consent history move over; the
    survivor's current consents win over the duplicate's; the duplicate answers 410 with the
    survivor's id from then on."""
    if survivor_id == duplicate_id:
        raise MergeConflict("A contact cannot be merged into itself.")
    pair = [survivor_id, duplicate_id]
    locked = {c.id: c for c in contacts.get_many_for_update(session, pair)}
    visible = contacts.visible_ids(session, list(locked), scope)
    locked = {i: c for i, c in locked.items() if i in visible}
    survivor = locked.get(survivor_id)
    if survivor is None:
        raise ContactNotFound(survivor_id)
    if survivor.erased_at is not None:
        raise ContactErased(survivor_id, survivor.erased_at)
    if survivor.merged_into_id is not None:
        raise ContactMerged(survivor_id, survivor.merged_into_id)
    check_if_match(if_match, survivor.version)
    duplicate = locked.get(duplicate_id)
    if duplicate is None:
        raise InvalidContact(
            [
                FieldError(
                    field="body.duplicate_id", message="no such contact", code="unknown_contact"
                )
            ]
        )
    if duplicate.erased_at is not None:
        raise ContactErased(duplicate_id, duplicate.erased_at)
    if duplicate.merged_into_id is not None:
        raise ContactMerged(duplicate_id, duplicate.merged_into_id)
    if duplicate.kind != survivor.kind:
        raise MergeConflict("Only contacts of the same kind (person, organization) can be merged.")

    _move_contact_points(session, survivor, duplicate)
    interactions.move_to(session, duplicate.id, survivor.id)
    tasks.move_to(session, duplicate.id, survivor.id)
    _move_consents(session, survivor.id, duplicate.id)
    loyalty.merge_accounts(session, survivor.id, duplicate.id)
    _move_members(session, survivor, duplicate)
    contacts.redirect_merged(session, duplicate.id, survivor.id)

    now = utcnow()
    duplicate.merged_into_id, duplicate.merged_at = survivor.id, now
    duplicate.version += 1
    duplicate.updated_at = now
    touch(survivor)
    read = to_read(session, survivor)
    add_event(
        session,
        Outbox,
        ContactMergedEvent(
            survivor_id=survivor.id, duplicate_id=duplicate.id, survivor=snapshot(read)
        ),
        source=SOURCE,
        subject=str(survivor.id),
    )
    return read


def _move_contact_points(session: Session, survivor: Contact, duplicate: Contact) -> None:
    kept, moved = to_reads(session, [survivor, duplicate])
    addresses = {e.address for e in kept.emails}
    numbers = {p.number for p in kept.phones}
    emails = [(e.address, e.label) for e in kept.emails]
    emails += [(e.address, e.label) for e in moved.emails if e.address not in addresses]
    phones = [(p.number, p.label) for p in kept.phones]
    phones += [(p.number, p.label) for p in moved.phones if p.number not in numbers]
    contacts.delete_points(session, duplicate.id)
    contacts.replace_emails(session, survivor.id, emails)
    contacts.replace_phones(session, survivor.id, phones)
    contacts.replace_tags(session, survivor.id, dedupe([*kept.tags, *moved.tags]))
    assignees = merged_assignees(kept, moved)
    if assignees != kept.assignee_ids:
        contacts.replace_assignees(session, survivor.id, assignees)


def merged_assignees(kept: ContactRead, moved: ContactRead) -> list[str]:
    """The survivor's assignees, then the duplicate's and its owner (unless the survivor's owner),
    each once and at most MAX_ASSIGNEES: whoever saw the duplicate sees the merged contact. The
    duplicate keeps its own, so its 410 reaches the same callers."""
    added = [*moved.assignee_ids, *([moved.owner_id] if moved.owner_id else [])]
    added = [a for a in added if a != kept.owner_id]
    return dedupe([*kept.assignee_ids, *added])[:MAX_ASSIGNEES]


def _move_consents(session: Session, survivor_id: uuid.UUID, duplicate_id: uuid.UUID) -> None:
    kept = consents.current_of(session, survivor_id)
    adopted = [
        Consent.model_validate(c.model_dump())
        for purpose, c in consents.current_of(session, duplicate_id).items()
        if purpose not in kept
    ]
    consents.move_history(session, duplicate_id, survivor_id)
    consents.move_current(session, duplicate_id, survivor_id, [c.purpose for c in adopted])
    for consent in adopted:
        publish_consent(session, survivor_id, consent)


def _move_members(session: Session, survivor: Contact, duplicate: Contact) -> None:
    """People of the duplicate organisation now belong to the survivor (each a new version)."""
    if survivor.organization_id == duplicate.id:
        survivor.organization_id = None
    for member in contacts.members_of(session, duplicate.id):
        if member.id == survivor.id:
            continue
        member.organization_id = survivor.id
        touch(member)
        publish_updated(session, to_read(session, member), ["organization_id"])
