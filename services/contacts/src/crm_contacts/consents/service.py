"""Rules of consents: one current state per purpose, every change recorded and published."""

import uuid

from sqlmodel import Session

from crm_common.db import utcnow
from crm_common.events.contacts import ConsentChanged
from crm_common.http import check_if_match
from crm_common.outbox import add_event
from crm_contacts.access import RowScope
from crm_contacts.consents import repository
from crm_contacts.consents.models import Consent, ConsentChange
from crm_contacts.consents.schemas import (
    ConsentChangeRead,
    ConsentOverview,
    ConsentRead,
    ConsentSet,
    Purpose,
)
from crm_contacts.contacts.service import SOURCE, require_visible
from crm_contacts.db import Outbox


def to_read(purpose: Purpose, consent: Consent | None) -> ConsentRead:
    if consent is None:
        return ConsentRead(purpose=purpose, granted=None, source=None, changed_at=None, version=0)
    return ConsentRead(
        purpose=purpose,
        granted=consent.granted,
        source=consent.source,
        changed_at=consent.changed_at,
        version=consent.version,
    )


def set_consent(
    session: Session,
    contact_id: uuid.UUID,
    purpose: Purpose,
    data: ConsentSet,
    if_match: str | None,
    scope: RowScope,
) -> ConsentRead:
    """Record a grant or withdrawal for a contact in `scope`; repeating the current state from the
    same source changes nothing."""
    require_visible(session, contact_id, scope, for_update=True)
    consent = repository.get(session, contact_id, purpose.value)
    check_if_match(if_match, consent.version if consent else 0)
    if consent is not None and (consent.granted, consent.source) == (data.granted, data.source):
        return to_read(purpose, consent)
    now = utcnow()
    if consent is None:
        consent = Consent(
            contact_id=contact_id,
            purpose=purpose.value,
            granted=data.granted,
            source=data.source,
            changed_at=now,
        )
        session.add(consent)
    else:
        consent.granted, consent.source, consent.changed_at = data.granted, data.source, now
        consent.version += 1
    record_change(session, consent)
    return to_read(purpose, consent)


def record_change(session: Session, consent: Consent) -> None:
    """Keep `consent`'s new state in the history and publish it."""
    session.add(
        ConsentChange(
            contact_id=consent.contact_id,
            purpose=consent.purpose,
            granted=consent.granted,
            source=consent.source,
            changed_at=consent.changed_at,
        )
    )
    publish(session, consent.contact_id, consent)


def publish(session: Session, contact_id: uuid.UUID, consent: Consent) -> None:
    """Publish `consent` as the current state of `contact_id` (also when a merge hands it over)."""
    add_event(
        session,
        Outbox,
        ConsentChanged(
            contact_id=contact_id,
            purpose=consent.purpose,
            granted=consent.granted,
            source=consent.source,
            changed_at=consent.changed_at,
        ),
        source=SOURCE,
        subject=str(contact_id),
    )


def overview(session: Session, contact_id: uuid.UUID, scope: RowScope) -> ConsentOverview:
    require_visible(session, contact_id, scope)
    current = repository.current_of(session, contact_id)
    history = repository.history_of(session, contact_id)
    return ConsentOverview(
        contact_id=contact_id,
        purposes=[to_read(p, current.get(p.value)) for p in Purpose],
        history=[
            ConsentChangeRead(
                purpose=Purpose(h.purpose),
                granted=h.granted,
                source=h.source,
                changed_at=h.changed_at,
            )
            for h in history
        ],
    )


def current(
    session: Session, contact_id: uuid.UUID, purpose: Purpose, scope: RowScope
) -> ConsentRead:
    """The current consent of a contact in `scope` for `purpose` (`granted` null when never asked)."""
    require_visible(session, contact_id, scope)
    return to_read(purpose, repository.get(session, contact_id, purpose.value))
