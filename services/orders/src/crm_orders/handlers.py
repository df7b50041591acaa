"""Reactions of the orders service to other services' events: consumer group `orders` on
`crm.contacts` and `crm.routing`.

- `contacts.contact.created/updated/merged.v1`, `routing.agent.created/updated/deactivated.v1`:
  the read models of contacts' owners and assignees and of agents' teams that row-level access is
  decided on (`crm_orders.readmodel`).

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
from crm_common.events import contacts, routing
from crm_common.events.envelope import CloudEvent
from crm_orders.config import OrdersSettings
from crm_orders.db import ProcessedEvent
from crm_orders.privacy import service as privacy
from crm_orders.readmodel import service as readmodel

GROUP = "orders"
TOPICS = (contacts.TOPIC, routing.TOPIC)


def on_contact_created(session: Session, event: CloudEvent) -> None:
    readmodel.apply_contact(session, contacts.ContactCreated.model_validate(event.data).contact)


def on_contact_updated(session: Session, event: CloudEvent) -> None:
    readmodel.apply_contact(session, contacts.ContactUpdated.model_validate(event.data).contact)


def on_contact_merged(session: Session, event: CloudEvent) -> None:
    readmodel.apply_merge(session, contacts.ContactMerged.model_validate(event.data))


def on_agent_created(session: Session, event: CloudEvent) -> None:
    readmodel.apply_agent(session, routing.AgentCreated.model_validate(event.data).agent)


def on_agent_updated(session: Session, event: CloudEvent) -> None:
    readmodel.apply_agent(session, routing.AgentUpdated.model_validate(event.data).agent)


def on_agent_deactivated(session: Session, event: CloudEvent) -> None:
    readmodel.apply_agent(session, routing.AgentDeactivated.model_validate(event.data).agent)


def on_contact_erased(session: Session, event: CloudEvent) -> None:
    """Pseudonymise what this service holds about the erased contact, and confirm it."""
    privacy.erase_contact(session, contacts.ContactErased.model_validate(event.data))


HANDLERS: Mapping[str, Handler] = {
    contacts.ContactCreated.event_type: correlated(on_contact_created),
    contacts.ContactUpdated.event_type: correlated(on_contact_updated),
    contacts.ContactMerged.event_type: correlated(on_contact_merged),
    contacts.ContactErased.event_type: correlated(on_contact_erased),
    routing.AgentCreated.event_type: correlated(on_agent_created),
    routing.AgentUpdated.event_type: correlated(on_agent_updated),
    routing.AgentDeactivated.event_type: correlated(on_agent_deactivated),
}


def events_consumer(engine: Engine, settings: OrdersSettings) -> EventConsumer:
    """The worker that applies `HANDLERS` to `crm.contacts` and `crm.routing` as consumer group
    `orders`."""
    return EventConsumer(
        engine,
        ProcessedEvent,
        settings.kafka_bootstrap_servers,
        group_id=GROUP,
        topics=TOPICS,
        handlers=HANDLERS,
        max_retries=settings.consumer_max_retries,
    )
