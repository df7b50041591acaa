"""Rules of contacts: contact points, required names, staff-only fields, who sees which contact
(`require_visible`, with the rule in crm_contacts.access), versions and events."""

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlmodel import Session

from crm_common.auth import Principal
from crm_common.db import utcnow
from crm_common.errors import FieldError
from crm_common.events.contacts import ContactCreated, ContactSnapshot, ContactUpdated
from crm_common.http import check_if_match
from crm_common.outbox import add_event
from crm_common.pagination import Paged
from crm_contacts.access import RowScope
from crm_contacts.contacts import repository
from crm_contacts.contacts.errors import (
    ContactErased,
    ContactMerged,
    ContactNotFound,
    InvalidContact,
    NoContactForPhone,
)
from crm_contacts.contacts.models import Contact
from crm_contacts.contacts.normalize import (
    InvalidContactPoint,
    normalize_email,
    normalize_phone,
    phone_search_digits,
)
from crm_contacts.contacts.repository import ContactFilters
from crm_contacts.contacts.schemas import (
    STAFF_FIELDS,
    STAFF_WRITABLE_FIELDS,
    ContactCreate,
    ContactRead,
    ContactUpdate,
    EmailIn,
    EmailRead,
    PartnerContactRead,
    PhoneIn,
    PhoneRead,
)
from crm_contacts.db import Outbox

SOURCE = "contacts"
# Lifecycle stages an order turns into `customer` (an inactive contact who orders stays inactive
# until staff decide otherwise).
BECOME_CUSTOMER_FROM = frozenset({"lead", "prospect"})
Point = tuple[str, str | None]
# Changes that publish no contact.updated: staff-only fields (not in the snapshot).
UNPUBLISHED_FIELDS = STAFF_FIELDS

# Scalar fields an update may set directly on the row.
_SCALARS = (
    "kind",
    "first_name",
    "last_name",
    "organization_name",
    "organization_id",
    "owner_id",
    "lifecycle_stage",
    "attributes",
    "address",
    "preferences",
    "rating",
    "staff_comments",
)


# --- reading ---------------------------------------------------------------------------------------


def require_active(session: Session, contact_id: uuid.UUID, *, for_update: bool = False) -> Contact:
    """The contact `contact_id`; 404 when unknown, 410 naming the survivor when merged, 410 with
    `erased_at` when erased."""
    contact = repository.get(session, contact_id, for_update=for_update)
    if contact is None:
        raise ContactNotFound(contact_id)
    if contact.erased_at is not None:
        raise ContactErased(contact_id, contact.erased_at)
    if contact.merged_into_id is not None:
        raise ContactMerged(contact_id, contact.merged_into_id)
    return contact


def require_visible(
    session: Session, contact_id: uuid.UUID, scope: RowScope, *, for_update: bool = False
) -> Contact:
    """The contact `contact_id` for a caller who sees `scope` (`RowScopeDep`): every route about a
    contact loads it here. 404 when unknown or outside the caller's rows (its existence is not
    revealed), 410 naming the survivor when merged, 410 with `erased_at` when erased."""
    contact = repository.get_visible(session, contact_id, scope, for_update=for_update)
    if contact is None:
        raise ContactNotFound(contact_id)
    if contact.erased_at is not None:
        raise ContactErased(contact_id, contact.erased_at)
    if contact.merged_into_id is not None:
        raise ContactMerged(contact_id, contact.merged_into_id)
    return contact


def resolve_active(
    session: Session, contact_id: uuid.UUID, *, for_update: bool = False
) -> Contact | None:
    """The active contact `contact_id` stands for: itself, or the survivor it was merged into (a
    merge pointer always names the final survivor); None when this service does not know it or
    it was erased."""
    contact = repository.get(session, contact_id, for_update=for_update)
    if contact is not None and contact.merged_into_id is not None:
        contact = repository.get(session, contact.merged_into_id, for_update=for_update)
    if contact is None or contact.merged_into_id is not None or contact.erased_at is not None:
        return None
    return contact


def to_reads(session: Session, contacts: Sequence[Contact]) -> list[ContactRead]:
    details = repository.details_of(session, [c.id for c in contacts])
    return [_read(c, details[c.id]) for c in contacts]


def to_read(session: Session, contact: Contact) -> ContactRead:
    return to_reads(session, [contact])[0]


def _read(contact: Contact, details: repository.ContactDetails) -> ContactRead:
    return ContactRead(
        id=contact.id,
        kind=contact.kind,
        first_name=contact.first_name,
        last_name=contact.last_name,
        organization_name=contact.organization_name,
        organization_id=contact.organization_id,
        emails=[EmailRead(address=a, label=label) for a, label in details.emails],
        phones=[PhoneRead(number=n, label=label) for n, label in details.phones],
        owner_id=contact.owner_id,
        assignee_ids=list(details.assignee_ids),
        lifecycle_stage=contact.lifecycle_stage,
        tags=list(details.tags),
        attributes=contact.attributes,
        address=contact.address,
        preferences=contact.preferences,
        rating=contact.rating,
        staff_comments=contact.staff_comments,
        version=contact.version,
        created_at=contact.created_at,
        updated_at=contact.updated_at,
    )


def visible(read: ContactRead, principal: Principal) -> PartnerContactRead:
    """`read` as `principal` may see it: staff-only fields only for staff."""
    if principal.is_staff:
        return read
    return PartnerContactRead.model_validate(read.model_dump(exclude=set(STAFF_FIELDS)))


def snapshot(read: ContactRead) -> ContactSnapshot:
    """The event form of a contact, without staff-only fields."""
    return ContactSnapshot.model_validate(read.model_dump(exclude=set(STAFF_FIELDS)))


def get_contact(session: Session, contact_id: uuid.UUID, scope: RowScope) -> ContactRead:
    return to_read(session, require_visible(session, contact_id, scope))


def list_contacts(
    session: Session,
    *,
    q: str | None,
    tag: str | None,
    owner_id: str | None,
    lifecycle_stage: str | None,
    limit: int,
    cursor: str | None,
    scope: RowScope,
) -> Paged[ContactRead]:
    """Active contacts in `scope`, in creation order; `q` matches names, email addresses and phone
    numbers."""
    filters = ContactFilters(
        q=q,
        q_digits=phone_search_digits(q) if q else None,
        tag=tag,
        owner_id=owner_id,
        lifecycle_stage=lifecycle_stage,
    )
    rows, next_cursor = repository.list_page(session, filters, limit, cursor, scope)
    return to_reads(session, rows), next_cursor


def lookup_by_phone(session: Session, phone: str, region: str, scope: RowScope) -> ContactRead:
    """Caller ID: the contact in `scope` with the number `phone`, however it is formatted."""
    try:
        e164 = normalize_phone(phone, region)
    except InvalidContactPoint as exc:
        raise InvalidContact(
            [FieldError(field="query.phone", message=str(exc), code="invalid_phone")]
        ) from exc
    contact = repository.first_active_by_phone(session, e164, scope)
    if contact is None:
        raise NoContactForPhone(e164)
    return to_read(session, contact)


# --- writing ---------------------------------------------------------------------------------------


def create_contact(
    session: Session, data: ContactCreate, principal: Principal, region: str
) -> ContactRead:
    errors = _staff_only_errors(data.model_fields_set, principal)
    emails = normalize_emails(data.emails, errors)
    phones = normalize_phones(data.phones, region, errors)
    state = data.model_dump(include=set(_SCALARS))
    _check_state(session, None, state, errors, check_organization=True)
    if errors:
        raise InvalidContact(errors)
    now = utcnow()
    contact = Contact(**state, search_name=search_name(state), created_at=now, updated_at=now)
    details = repository.ContactDetails(
        emails, phones, dedupe(data.tags), dedupe(data.assignee_ids)
    )
    repository.insert_new(session, contact, emails, phones, details.tags, details.assignee_ids)
    read = _read(contact, details)
    add_event(
        session, Outbox, ContactCreated(contact=snapshot(read)), source=SOURCE, subject=str(read.id)
    )
    return read


def update_contact(
    session: Session,
    contact_id: uuid.UUID,
    data: ContactUpdate,
    principal: Principal,
    region: str,
    if_match: str | None,
    scope: RowScope,
) -> ContactRead:
    """Apply the fields that were sent; bumps the version and publishes only when something changed."""
    contact = require_visible(session, contact_id, scope, for_update=True)
    check_if_match(if_match, contact.version)
    sent = data.model_fields_set
    errors = _staff_only_errors(sent, principal)
    emails = normalize_emails(data.emails, errors) if data.emails is not None else None
    phones = normalize_phones(data.phones, region, errors) if data.phones is not None else None
    changes = data.model_dump(include=set(_SCALARS) & sent)
    state = {field: changes.get(field, getattr(contact, field)) for field in _SCALARS}
    _check_state(
        session, contact.id, state, errors, check_organization="organization_id" in changes
    )
    if errors:
        raise InvalidContact(errors)

    current = to_read(session, contact)
    changed = [field for field, value in changes.items() if getattr(contact, field) != value]
    for field in changed:
        setattr(contact, field, changes[field])
    if emails is not None and emails != [(e.address, e.label) for e in current.emails]:
        repository.replace_emails(session, contact.id, emails)
        changed.append("emails")
    if phones is not None and phones != [(p.number, p.label) for p in current.phones]:
        repository.replace_phones(session, contact.id, phones)
        changed.append("phones")
    if data.tags is not None and (tags := dedupe(data.tags)) != current.tags:
        repository.replace_tags(session, contact.id, tags)
        changed.append("tags")
    if (
        data.assignee_ids is not None
        and (assignees := dedupe(data.assignee_ids)) != current.assignee_ids
    ):
        repository.replace_assignees(session, contact.id, assignees)
        changed.append("assignee_ids")
    if not changed:
        return current
    touch(contact)
    read = to_read(session, contact)
    publish_updated(session, read, changed)
    return read


def become_customer(session: Session, contact: Contact) -> bool:
    """A lead or prospect becomes a customer (new version, contact.updated published); a customer
    or an inactive contact stays as it is. True when the contact changed."""
    if contact.lifecycle_stage not in BECOME_CUSTOMER_FROM:
        return False
    contact.lifecycle_stage = "customer"
    touch(contact)
    publish_updated(session, to_read(session, contact), ["lifecycle_stage"])
    return True


def touch(contact: Contact) -> None:
    """Record a change of `contact`: new version (and ETag), new updated_at, fresh search text."""
    contact.search_name = search_name(contact.model_dump())
    contact.version += 1
    contact.updated_at = utcnow()


def publish_updated(session: Session, read: ContactRead, changed: Iterable[str]) -> None:
    """An updated event naming the changed fields; none when only staff-only fields changed (the
    snapshot does not carry them)."""
    public = sorted(set(changed) - UNPUBLISHED_FIELDS)
    if public:
        add_event(
            session,
            Outbox,
            ContactUpdated(contact=snapshot(read), changed_fields=public),
            source=SOURCE,
            subject=str(read.id),
        )


# --- rules -----------------------------------------------------------------------------------------


def normalize_emails(emails: Sequence[EmailIn], errors: list[FieldError]) -> list[Point]:
    """Lower-cased, syntax-checked addresses, each once (the first label wins)."""
    result: list[Point] = []
    seen: set[str] = set()
    for index, email in enumerate(emails):
        try:
            address = normalize_email(email.address)
        except InvalidContactPoint as exc:
            errors.append(
                FieldError(
                    field=f"body.emails.{index}.address", message=str(exc), code="invalid_email"
                )
            )
            continue
        if address not in seen:
            seen.add(address)
            result.append((address, email.label))
    return result


def normalize_phones(
    phones: Sequence[PhoneIn], region: str, errors: list[FieldError]
) -> list[Point]:
    """Numbers in E.164, each once (the first label wins)."""
    result: list[Point] = []
    seen: set[str] = set()
    for index, phone in enumerate(phones):
        try:
            e164 = normalize_phone(phone.number, region)
        except InvalidContactPoint as exc:
            errors.append(
                FieldError(
                    field=f"body.phones.{index}.number", message=str(exc), code="invalid_phone"
                )
            )
            continue
        if e164 not in seen:
            seen.add(e164)
            result.append((e164, phone.label))
    return result


def dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def search_name(state: dict[str, Any]) -> str:
    parts = (state.get("first_name"), state.get("last_name"), state.get("organization_name"))
    return " ".join(p.lower() for p in parts if p)


def _staff_only_errors(sent: Iterable[str], principal: Principal) -> list[FieldError]:
    if principal.is_staff:
        return []
    return [
        FieldError(
            field=f"body.{field}",
            message="only staff (admin, manager, agent) may set this field",
            code="staff_only",
        )
        for field in sorted(set(sent) & STAFF_WRITABLE_FIELDS)
    ]


def _check_state(
    session: Session,
    contact_id: uuid.UUID | None,
    state: dict[str, Any],
    errors: list[FieldError],
    *,
    check_organization: bool,
) -> None:
    if state["kind"] == "person" and not (state["first_name"] or state["last_name"]):
        errors.append(
            FieldError(
                field="body.first_name",
                message="a person needs a first_name or a last_name",
                code="name_required",
            )
        )
    if state["kind"] == "organization" and not state["organization_name"]:
        errors.append(
            FieldError(
                field="body.organization_name",
                message="an organization needs an organization_name",
                code="organization_name_required",
            )
        )
    organization_id = state["organization_id"]
    if check_organization and organization_id is not None:
        organization = repository.get(session, organization_id)
        if (
            organization is None
            or organization.kind != "organization"
            or organization.merged_into_id is not None
            or organization.erased_at is not None
            or organization.id == contact_id
        ):
            errors.append(
                FieldError(
                    field="body.organization_id",
                    message="must name another existing, unmerged organization",
                    code="unknown_organization",
                )
            )
