"""Reactions of the orders service to other services' events: consumer group `orders` on
`crm.contacts`.

- `contacts.contact.erased.v1`: the contact's orders, quotes and opportunities are pseudonymised
  (`crm_orders.privacy.service.erase_contact`), the outbox rows about them rewritten, the contact
  remembered as erased (no new order may name it), and `orders.erasure.completed.v1` published,
  all in the transaction of the processed-event row. A redelivery is a no-op; a second erasure
  request for the contact changes nothing more and confirms its own request.

`EventConsumer` applies each event once (its effects and the processed-event row commit together).
"""

from collections.abc import Mapping

from sqlalchemy import Engine
from sqlmodel import Session

from crm_common.consumer import EventConsumer, Handler, correlated
from crm_common.events import contacts
from crm_common.events.envelope import CloudEvent
from crm_orders.config import OrdersSettings
from crm_orders.db import ProcessedEvent
from crm_orders.privacy import service as privacy

GROUP = "orders"
TOPICS = (contacts.TOPIC,)


def on_contact_erased(session: Session, event: CloudEvent) -> None:
    """Pseudonymise what this service holds about the erased contact, and confirm it."""
    privacy.erase_contact(session, contacts.ContactErased.model_validate(event.data))


HANDLERS: Mapping[str, Handler] = {
    contacts.ContactErased.event_type: correlated(on_contact_erased),
}


def events_consumer(engine: Engine, settings: OrdersSettings) -> EventConsumer:
    """The worker that applies `HANDLERS` to `crm.contacts` as consumer group `orders`."""
    return EventConsumer(
        engine,
        ProcessedEvent,
        settings.kafka_bootstrap_servers,
        group_id=GROUP,
        topics=TOPICS,
        handlers=HANDLERS,
        max_retries=settings.consumer_max_retries,
    )
