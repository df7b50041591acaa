"""Keeping the read models in step with other services' events, and reading a caller's profile.

Snapshots carry the aggregate's version: an older snapshot arriving after a newer one is ignored,
so redeliveries and replays from the earliest offset never move the model backwards. Consents
carry when they changed: only a newer change replaces the stored one. Nothing about an erased
contact is stored again (`erased_contacts`), whatever arrives late.
"""

import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from sqlmodel import Session

from crm_common.db import utcnow
from crm_common.events import contacts as contact_events
from crm_common.events import orders as order_events
from crm_routing.readmodel import repository
from crm_routing.readmodel.models import (
    CustomerOpportunity,
    CustomerOrder,
    KnownConsent,
    KnownContact,
)

CLOSED_ORDER_STATUSES = frozenset({"delivered", "cancelled", "draft"})


def display_name(snapshot: contact_events.ContactSnapshot) -> str | None:
    if snapshot.kind == "organization":
        return snapshot.organization_name
    parts = [p for p in (snapshot.first_name, snapshot.last_name) if p]
    return " ".join(parts) or None


def apply_contact(session: Session, snapshot: contact_events.ContactSnapshot) -> None:
    if repository.is_erased(session, snapshot.id):
        return
    contact = repository.get_contact(session, snapshot.id)
    if contact is not None and contact.version > snapshot.version:
        return
    if contact is None:
        contact = KnownContact(
            id=snapshot.id, lifecycle_stage=snapshot.lifecycle_stage, version=snapshot.version
        )
    contact.name = display_name(snapshot)
    contact.owner_id = snapshot.owner_id
    contact.assignee_ids = list(snapshot.assignee_ids)
    contact.lifecycle_stage = snapshot.lifecycle_stage
    contact.version = snapshot.version
    contact.updated_at = snapshot.updated_at
    session.add(contact)
    session.flush()
    if contact.merged_into_id is None:
        repository.replace_phones(session, contact.id, {p.number for p in snapshot.phones})


def apply_merge(session: Session, merged: contact_events.ContactMerged) -> None:
    if repository.is_erased(session, merged.survivor_id):
        return
    apply_contact(session, merged.survivor)
    duplicate = repository.get_contact(session, merged.duplicate_id)
    if duplicate is None:
        duplicate = KnownContact(id=merged.duplicate_id, lifecycle_stage="inactive", version=0)
    duplicate.merged_into_id = merged.survivor_id
    duplicate.updated_at = utcnow()
    session.add(duplicate)
    session.flush()
    repository.replace_phones(session, duplicate.id, set())


def apply_order(session: Session, snapshot: order_events.OrderSnapshot) -> None:
    if repository.is_erased(session, snapshot.contact_id):
        return
    order = repository.get_order(session, snapshot.id)
    if order is not None and order.version > snapshot.version:
        return
    if order is None:
        order = CustomerOrder(
            id=snapshot.id,
            contact_id=snapshot.contact_id,
            number=snapshot.number,
            status=snapshot.status,
            currency=snapshot.currency,
            total=snapshot.total,
            version=snapshot.version,
        )
    order.contact_id = snapshot.contact_id
    order.status = snapshot.status
    order.currency = snapshot.currency
    order.total = snapshot.total
    order.categories = sorted({line.category for line in snapshot.lines})
    order.version = snapshot.version
    order.updated_at = snapshot.updated_at
    session.add(order)


def apply_order_status(session: Session, change: order_events.OrderStatusChanged) -> bool:
    """False when the order is not known (its placement was never seen)."""
    order = repository.get_order(session, change.order_id)
    if order is None:
        return False
    if order.status != "cancelled":
        order.status = change.to_status
        order.updated_at = change.occurred_at
        session.add(order)
    return True


def apply_opportunity(
    session: Session, snapshot: order_events.OpportunitySnapshot, *, open_: bool | None = None
) -> None:
    if repository.is_erased(session, snapshot.contact_id):
        return
    opportunity = repository.get_opportunity(session, snapshot.id)
    if opportunity is not None and opportunity.version > snapshot.version:
        return
    if opportunity is None:
        opportunity = CustomerOpportunity(
            id=snapshot.id,
            contact_id=snapshot.contact_id,
            title=snapshot.title,
            stage=snapshot.stage,
            version=snapshot.version,
        )
    opportunity.contact_id = snapshot.contact_id
    opportunity.title = snapshot.title
    opportunity.stage = snapshot.stage
    opportunity.amount = snapshot.amount
    opportunity.currency = snapshot.currency
    if open_ is not None:
        opportunity.open = open_
    elif snapshot.lost_reason is not None:
        opportunity.open = False
    opportunity.version = snapshot.version
    opportunity.updated_at = snapshot.updated_at
    session.add(opportunity)


def apply_consent(session: Session, change: contact_events.ConsentChanged) -> bool:
    """Keep the latest consent per contact and purpose: a change no newer than the stored one
    (an event read again) changes nothing. Whether it was applied."""
    if repository.is_erased(session, change.contact_id):
        return False
    consent = repository.get_consent(session, change.contact_id, change.purpose)
    if consent is not None and consent.changed_at >= change.changed_at:
        return False
    if consent is None:
        consent = KnownConsent(
            contact_id=change.contact_id,
            purpose=change.purpose,
            granted=change.granted,
            source=change.source,
            changed_at=change.changed_at,
        )
    consent.granted, consent.source = change.granted, change.source
    consent.changed_at, consent.updated_at = change.changed_at, utcnow()
    session.add(consent)
    return True


def consent_for(session: Session, contact_id: uuid.UUID, purpose: str) -> KnownConsent | None:
    """The latest consent for `purpose` of the contact (of its survivor when it was merged), or
    None when it was never given nor withdrawn."""
    contact = survivor(session, repository.get_contact(session, contact_id))
    return repository.get_consent(session, contact.id if contact else contact_id, purpose)


def family(session: Session, contact_id: uuid.UUID) -> list[uuid.UUID]:
    """`contact_id` and every contact merged into it, directly or through another merge."""
    found = [contact_id]
    seen = {contact_id}
    frontier = [contact_id]
    while frontier:
        frontier = [i for i in repository.merged_into(session, frontier) if i not in seen]
        seen.update(frontier)
        found.extend(frontier)
    return found


@dataclass
class CallerProfile:
    """What routing knows about a caller."""

    contact: KnownContact | None = None
    categories_bought: Counter[str] = field(default_factory=Counter)
    total_spent: dict[str, Decimal] = field(default_factory=dict)
    open_orders: list[CustomerOrder] = field(default_factory=list)
    orders: list[CustomerOrder] = field(default_factory=list)
    open_opportunities: list[CustomerOpportunity] = field(default_factory=list)

    def spent(self) -> Decimal:
        """The largest total in any one currency (what VIP thresholds compare)."""
        return max(self.total_spent.values(), default=Decimal("0"))


def survivor(session: Session, contact: KnownContact | None) -> KnownContact | None:
    seen: set[uuid.UUID] = set()
    while contact is not None and contact.merged_into_id is not None and contact.id not in seen:
        seen.add(contact.id)
        contact = repository.get_contact(session, contact.merged_into_id)
    return contact


def profile(
    session: Session, contact: KnownContact | None, *, opportunities: bool = True
) -> CallerProfile:
    """The caller's orders, spend and categories; their open opportunities too unless the caller
    does not need them (routing a call does not)."""
    result = CallerProfile(contact=contact)
    if contact is None:
        return result
    result.orders = repository.orders_of(session, contact.id)
    for order in result.orders:
        if order.status in ("cancelled", "draft"):
            continue
        result.categories_bought.update(order.categories)
        result.total_spent[order.currency] = (
            result.total_spent.get(order.currency, Decimal("0")) + order.total
        )
        if order.status not in CLOSED_ORDER_STATUSES:
            result.open_orders.append(order)
    if opportunities:
        result.open_opportunities = [
            o for o in repository.opportunities_of(session, contact.id) if o.open
        ]
    return result


def caller_by_phone(
    session: Session, number: str | None, *, opportunities: bool = True
) -> CallerProfile:
    if number is None:
        return CallerProfile()
    contact = repository.get_by_phone(session, number)
    return profile(session, contact, opportunities=opportunities)


def caller_by_id(session: Session, contact_id: uuid.UUID | None) -> CallerProfile:
    if contact_id is None:
        return CallerProfile()
    return profile(session, survivor(session, repository.get_contact(session, contact_id)))
