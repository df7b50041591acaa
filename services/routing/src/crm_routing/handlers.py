"""Reactions of the routing service to other services' events: consumer group `routing` on
`crm.contacts` and `crm.orders`, keeping the read models a ringing call is routed by.

- `contacts.contact.created/updated.v1`: phone numbers → contact, name, owner, lifecycle stage.
- `contacts.contact.merged.v1`: the survivor takes the duplicate's numbers; the duplicate is gone.
- `orders.order.placed/amended/cancelled.v1`, `orders.order.status_changed.v1`: orders with their
  categories (from the lines), totals and status.
- `orders.opportunity.*.v1`: open opportunities and their value.
- `contacts.consent.changed.v1`: the latest consent per contact and purpose (newer wins), which
  marketing callbacks need.
- `contacts.contact.erased.v1`: everything about the contact anonymised, confirmed by
  `routing.erasure.completed.v1` (`crm_routing.privacy`).

`EventConsumer` applies each event once (effects and the processed-event row commit together);
snapshots older than what is stored are ignored, so a replay never moves the models backwards.
"""

import logging
from collections.abc import Mapping

from sqlalchemy import Engine
from sqlmodel import Session

from crm_common.consumer import EventConsumer, Handler
from crm_common.events import contacts, orders
from crm_common.events.envelope import CloudEvent
from crm_routing.callbacks import service as callbacks
from crm_routing.config import RoutingSettings
from crm_routing.db import ProcessedEvent
from crm_routing.privacy import service as privacy
from crm_routing.readmodel import service

log = logging.getLogger("crm.routing.handlers")

GROUP = "routing"
TOPICS = (contacts.TOPIC, orders.TOPIC)


def on_contact_created(session: Session, event: CloudEvent) -> None:
    service.apply_contact(session, contacts.ContactCreated.model_validate(event.data).contact)


def on_contact_updated(session: Session, event: CloudEvent) -> None:
    service.apply_contact(session, contacts.ContactUpdated.model_validate(event.data).contact)


def on_contact_merged(session: Session, event: CloudEvent) -> None:
    service.apply_merge(session, contacts.ContactMerged.model_validate(event.data))


def on_consent_changed(session: Session, event: CloudEvent) -> None:
    change = contacts.ConsentChanged.model_validate(event.data)
    if service.apply_consent(session, change) and not change.granted:
        callbacks.consent_withdrawn(session, change.contact_id, change.purpose)


def on_contact_erased(session: Session, event: CloudEvent) -> None:
    erased = contacts.ContactErased.model_validate(event.data)
    if privacy.erase(session, erased) is None:
        log.info(
            "erasure %s of contact %s was carried out already",
            erased.request_id,
            erased.contact_id,
            extra={"event_id": str(event.id), "event_type": event.type},
        )


def on_order_placed(session: Session, event: CloudEvent) -> None:
    service.apply_order(session, orders.OrderPlaced.model_validate(event.data).order)


def on_order_amended(session: Session, event: CloudEvent) -> None:
    service.apply_order(session, orders.OrderAmended.model_validate(event.data).order)


def on_order_cancelled(session: Session, event: CloudEvent) -> None:
    service.apply_order(session, orders.OrderCancelled.model_validate(event.data).order)


def on_order_status_changed(session: Session, event: CloudEvent) -> None:
    change = orders.OrderStatusChanged.model_validate(event.data)
    if not service.apply_order_status(session, change):
        log.warning(
            "%s about unknown order %s skipped",
            event.type,
            change.order_id,
            extra={"event_id": str(event.id), "event_type": event.type},
        )


def on_opportunity_created(session: Session, event: CloudEvent) -> None:
    opportunity = orders.OpportunityCreated.model_validate(event.data).opportunity
    service.apply_opportunity(session, opportunity)


def on_opportunity_updated(session: Session, event: CloudEvent) -> None:
    opportunity = orders.OpportunityUpdated.model_validate(event.data).opportunity
    service.apply_opportunity(session, opportunity)


def on_opportunity_stage_changed(session: Session, event: CloudEvent) -> None:
    opportunity = orders.OpportunityStageChanged.model_validate(event.data).opportunity
    service.apply_opportunity(session, opportunity)


def on_opportunity_won(session: Session, event: CloudEvent) -> None:
    opportunity = orders.OpportunityWon.model_validate(event.data).opportunity
    service.apply_opportunity(session, opportunity, open_=False)


def on_opportunity_lost(session: Session, event: CloudEvent) -> None:
    opportunity = orders.OpportunityLost.model_validate(event.data).opportunity
    service.apply_opportunity(session, opportunity, open_=False)


HANDLERS: Mapping[str, Handler] = {
    contacts.ContactCreated.event_type: on_contact_created,
    contacts.ContactUpdated.event_type: on_contact_updated,
    contacts.ContactMerged.event_type: on_contact_merged,
    contacts.ConsentChanged.event_type: on_consent_changed,
    contacts.ContactErased.event_type: on_contact_erased,
    orders.OrderPlaced.event_type: on_order_placed,
    orders.OrderAmended.event_type: on_order_amended,
    orders.OrderCancelled.event_type: on_order_cancelled,
    orders.OrderStatusChanged.event_type: on_order_status_changed,
    orders.OpportunityCreated.event_type: on_opportunity_created,
    orders.OpportunityUpdated.event_type: on_opportunity_updated,
    orders.OpportunityStageChanged.event_type: on_opportunity_stage_changed,
    orders.OpportunityWon.event_type: on_opportunity_won,
    orders.OpportunityLost.event_type: on_opportunity_lost,
}


def events_consumer(engine: Engine, settings: RoutingSettings) -> EventConsumer:
    """The worker that applies `HANDLERS` to `crm.contacts` and `crm.orders` as group `routing`."""
    return EventConsumer(
        engine,
        ProcessedEvent,
        settings.kafka_bootstrap_servers,
        group_id=GROUP,
        topics=TOPICS,
        handlers=HANDLERS,
        max_retries=settings.consumer_max_retries,
    )
