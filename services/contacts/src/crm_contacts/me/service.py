"""A customer's own data: the contact of their token, through the rules of contacts and consents."""

import uuid
from collections.abc import Sequence

from sqlmodel import Session

from crm_common.auth import Principal
from crm_common.errors import Forbidden
from crm_contacts.access import EVERYTHING
from crm_contacts.consents import service as consents
from crm_contacts.consents.schemas import ConsentOverview, ConsentRead, ConsentSet, Purpose
from crm_contacts.contacts import service as contacts
from crm_contacts.contacts.schemas import ContactRead, ContactUpdate
from crm_contacts.me.schemas import MeConsentSet, MeRead, MeUpdate
from crm_contacts.privacy import service as privacy
from crm_contacts.privacy.schemas import ErasureRead

# A customer token names one contact, so its routes reach that contact whatever the row-level
# access of staff (crm_contacts.access) would say.
OWN_ROWS = EVERYTHING
# The source of consents customers give or withdraw themselves.
CUSTOMER_SOURCE = "customer"


def own_contact_id(principal: Principal) -> uuid.UUID:
    """The contact of a customer token (`CustomerDep` let only customers through)."""
    try:
        return uuid.UUID(principal.contact_id or "")
    except ValueError as exc:
        raise Forbidden("The customer token names no valid contact.") from exc


def _me(read: ContactRead) -> MeRead:
    return MeRead.model_validate(read.model_dump(include=set(MeRead.model_fields)))


def get_me(session: Session, principal: Principal) -> MeRead:
    """404 when the contact is unknown, 410 when it was merged (naming the survivor) or erased."""
    contact = contacts.require_visible(session, own_contact_id(principal), OWN_ROWS)
    return _me(contacts.to_read(session, contact))


def update_me(
    session: Session, principal: Principal, data: MeUpdate, region: str, if_match: str | None
) -> MeRead:
    """The staff update's rules (normalised contact points, required names, If-Match, versions,
    contact.updated), on the fields a customer may change."""
    changes = ContactUpdate.model_validate(data.model_dump(exclude_unset=True))
    read = contacts.update_contact(
        session,
        own_contact_id(principal),
        changes,
        principal,
        region,
        if_match,
        scope=OWN_ROWS,
    )
    return _me(read)


def my_consents(session: Session, principal: Principal) -> ConsentOverview:
    return consents.overview(session, own_contact_id(principal), scope=OWN_ROWS)


def my_consent(session: Session, principal: Principal, purpose: Purpose) -> ConsentRead:
    return consents.current(session, own_contact_id(principal), purpose, scope=OWN_ROWS)


def set_my_consent(
    session: Session,
    principal: Principal,
    purpose: Purpose,
    data: MeConsentSet,
    if_match: str | None,
) -> ConsentRead:
    """Grant or withdraw, recorded with the source "customer"."""
    consent = ConsentSet(granted=data.granted, source=CUSTOMER_SOURCE)
    return consents.set_consent(
        session, own_contact_id(principal), purpose, consent, if_match, scope=OWN_ROWS
    )


def request_my_erasure(
    session: Session, principal: Principal, services: Sequence[str]
) -> tuple[ErasureRead, bool]:
    return privacy.request_erasure(session, own_contact_id(principal), services)


def my_erasure(session: Session, principal: Principal) -> ErasureRead:
    return privacy.erasure_of(session, own_contact_id(principal))
