"""The consumer that keeps every event of `crm.contacts`, `crm.orders` and `crm.routing` for the
partner webhooks, each once, and queues a delivery for every enabled subscription it matches.

It only writes (the event, its deliveries and the processed-event row, in one transaction); the
delivery worker POSTs later, so a slow partner never holds this consumer or another partner.
On `contacts.contact.erased.v1` the stored events about that contact (their payloads hold personal
data) and their pending deliveries are deleted; the erasure event itself is kept and delivered
(it names the contact only), so that partners erase their copies too.
"""

import logging
import uuid
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from crm_common.consumer import EventConsumer
from crm_common.db import utcnow
from crm_common.events import contacts, orders, routing
from crm_common.events.envelope import CloudEvent
from crm_gateway.config import GatewaySettings
from crm_gateway.db import ProcessedEvent
from crm_gateway.webhooks import matching, repository
from crm_gateway.webhooks.models import WebhookDelivery, WebhookEvent

log = logging.getLogger("crm.gateway.webhooks")

SUBJECT_MAX_LENGTH = 200
# Events that name a contact but hold nothing personal: kept through an erasure.
ERASURE_TYPES = frozenset(
    {
        contacts.ContactErased.event_type,
        orders.ErasureCompleted.event_type,
        routing.ErasureCompleted.event_type,
    }
)
# Snapshots inside a payload that carry the contact they belong to.
NESTED_WITH_CONTACT = ("order", "opportunity", "quote")
CONTACT_EVENTS_PREFIX = "contacts.contact."


def _uuid(value: Any) -> uuid.UUID | None:
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def contact_of(event: CloudEvent) -> uuid.UUID | None:
    """The contact an event is about: its payload's `contact_id`, that of the order, opportunity
    or quote it carries, or the subject of a `contacts.contact.*` event. None for the erasure
    events (nothing personal in them) and for events about no contact."""
    if event.type in ERASURE_TYPES:
        return None
    data = event.data
    found = _uuid(data.get("contact_id"))
    for name in NESTED_WITH_CONTACT:
        nested = data.get(name)
        if found is None and isinstance(nested, dict):
            found = _uuid(nested.get("contact_id"))
    if found is None and event.type.startswith(CONTACT_EVENTS_PREFIX):
        found = _uuid(event.subject)
    return found


def store_event(session: Session, event: CloudEvent) -> None:
    """Keep `event` and queue it for every enabled subscription whose types it matches."""
    if repository.get_event(session, event.id) is not None:
        return
    if event.type == contacts.ContactErased.event_type:
        erase(session, contacts.ContactErased.model_validate(event.data).contact_id)
    now = utcnow()
    session.add(
        WebhookEvent(
            id=event.id,
            type=event.type,
            subject=event.subject[:SUBJECT_MAX_LENGTH],
            time=event.time,
            contact_id=contact_of(event),
            envelope=event.model_dump_json(),
            received_at=now,
        )
    )
    for subscription in repository.enabled_subscriptions(session):
        if matching.matches_any(subscription.event_types, event.type):
            session.add(
                WebhookDelivery(
                    subscription_id=subscription.id,
                    event_id=event.id,
                    event_type=event.type,
                    next_attempt_at=now,
                    created_at=now,
                )
            )


def erase(session: Session, contact_id: uuid.UUID) -> None:
    deleted = repository.delete_events_of_contact(session, contact_id)
    log.info("erased %d stored webhook events of contact %s", deleted, contact_id)


class WebhookEventsConsumer(EventConsumer):
    """Consumes every topic as `webhook_group`, for every event type crm_common knows."""

    def __init__(self, engine: Engine, settings: GatewaySettings) -> None:
        super().__init__(
            engine,
            ProcessedEvent,
            settings.kafka_bootstrap_servers,
            group_id=settings.webhook_group,
            topics=matching.TOPICS,
            handlers=dict.fromkeys(matching.known_types(), store_event),
            max_retries=settings.consumer_max_retries,
        )
