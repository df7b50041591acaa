"""Rules of the timeline: interactions belong to active contacts and are published when logged."""

import uuid

from sqlmodel import Session

from crm_common.db import new_id, utcnow
from crm_common.events.contacts import InteractionLogged
from crm_common.outbox import add_event
from crm_common.pagination import Paged
from crm_contacts.access import RowScope
from crm_contacts.contacts.service import SOURCE, require_visible
from crm_contacts.db import Outbox
from crm_contacts.interactions import repository
from crm_contacts.interactions.models import Interaction
from crm_contacts.interactions.schemas import InteractionCreate, InteractionRead


def to_read(interaction: Interaction) -> InteractionRead:
    return InteractionRead(
        id=interaction.id,
        contact_id=interaction.contact_id,
        channel=interaction.channel,
        direction=interaction.direction,
        occurred_at=interaction.occurred_at,
        subject=interaction.subject,
        body=interaction.body,
        agent_id=interaction.agent_id,
        duration_seconds=interaction.duration_seconds,
        metadata=interaction.details,
        created_at=interaction.created_at,
    )


def log_interaction(
    session: Session,
    contact_id: uuid.UUID,
    data: InteractionCreate,
    *,
    scope: RowScope,
    interaction_id: uuid.UUID | None = None,
) -> InteractionRead:
    """Add `data` to the timeline of `contact_id`, a contact in `scope` (with `interaction_id` when
    the caller derives the id, e.g. one timeline entry per order milestone) and publish
    interaction.logged."""
    require_visible(session, contact_id, scope)
    interaction = Interaction(
        id=interaction_id or new_id(),
        contact_id=contact_id,
        channel=data.channel,
        direction=data.direction,
        occurred_at=data.occurred_at or utcnow(),
        subject=data.subject,
        body=data.body,
        agent_id=data.agent_id,
        duration_seconds=data.duration_seconds,
        details=data.metadata,
    )
    session.add(interaction)
    read = to_read(interaction)
    add_event(
        session,
        Outbox,
        InteractionLogged(
            id=read.id,
            contact_id=read.contact_id,
            channel=read.channel,
            direction=read.direction,
            occurred_at=read.occurred_at,
            subject=read.subject,
            agent_id=read.agent_id,
            duration_seconds=read.duration_seconds,
        ),
        source=SOURCE,
        subject=str(contact_id),
    )
    return read


def exists(session: Session, interaction_id: uuid.UUID) -> bool:
    return repository.get(session, interaction_id) is not None


def timeline(
    session: Session, contact_id: uuid.UUID, limit: int, cursor: str | None, scope: RowScope
) -> Paged[InteractionRead]:
    require_visible(session, contact_id, scope)
    rows, next_cursor = repository.timeline_page(session, contact_id, limit, cursor)
    return [to_read(r) for r in rows], next_cursor
