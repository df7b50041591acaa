"""Reactions of the contacts service to other services' events: consumer group `contacts` on
`crm.orders` and `crm.routing`.

- `orders.order.placed.v1`: a lead or prospect becomes a customer, and the order appears in the
  contact's timeline.
- `orders.order.status_changed.v1`, `orders.order.cancelled.v1`: a milestone in the timeline.
- `orders.order.status_changed.v1` reaching `delivered`: the order's loyalty points (once per
  order; a change without `total` and `currency` is logged and earns nothing). A cancellation
  after delivery takes no points back.
- `orders.opportunity.created.v1`, `orders.opportunity.stage_changed.v1`: each task a stage rule
  asked for joins the task list, under the id the orders service gave it.
- `routing.call.ended.v1`: the answered call of a known caller becomes a `call` interaction (inbound,
  when it rang, its talk time in seconds, the agent who took it).
- `routing.call.abandoned.v1`: a known caller who hung up before an answer gets a missed `call`
  interaction (no duration; the agent it was offered to, if any, in the metadata).
- `routing.chat.closed.v1`: a known visitor's web chat becomes a `chat` interaction (when it
  opened, how long it lasted, the agent, and the transcript as its body).
- `routing.agent.created.v1`, `routing.agent.updated.v1`, `routing.agent.deactivated.v1`: the
  agent's team in the agents read model (row-level access: managers see their team's contacts).

Handlers act for the service itself: they reach every contact (`access.EVERYTHING`).

`EventConsumer` applies each event once (its effects and the processed-event row commit together).
Beyond that, timeline milestones have one id per (order, status) and tasks keep their requested
id, so a fact told twice (a cancellation is both `status_changed` and `cancelled`; a task requested
again by another event) still appears once. A call's timeline entry has one id per call id, so a
call is in the timeline once, however often its end is told.

An event about a merged contact applies to its survivor. One about a contact this service does not
know, or one that was erased, is skipped and logged, not dead-lettered: retrying cannot make the
contact appear.

- `orders.erasure.completed.v1`, `routing.erasure.completed.v1`: that service's part of an erasure
  request is done; the request completes with the last confirmation (crm_contacts.privacy).
"""

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from crm_common.consumer import EventConsumer, Handler, correlated
from crm_common.events import orders, routing
from crm_common.events.envelope import CloudEvent
from crm_contacts.access import EVERYTHING
from crm_contacts.agents import service as agents
from crm_contacts.config import ContactsSettings
from crm_contacts.contacts import service as contacts
from crm_contacts.contacts.models import Contact
from crm_contacts.db import ProcessedEvent
from crm_contacts.interactions import service as interactions
from crm_contacts.interactions.schemas import InteractionCreate
from crm_contacts.loyalty import service as loyalty
from crm_contacts.privacy import service as privacy
from crm_contacts.tasks import service as tasks
from crm_contacts.tasks.schemas import TaskCreate

log = logging.getLogger("crm.contacts.handlers")

GROUP = "contacts"
TOPICS = (orders.TOPIC, routing.TOPIC)

# Namespace of the timeline ids of order milestones: uuid5(namespace, "<order id>:<status>").
ORDER_MILESTONES = uuid.UUID("6f1d2a0e-3c59-5d7b-9a41-0d2f8e6b7c13")
# Namespace of the timeline ids of calls: uuid5(namespace, "<call id>").
CALLS = uuid.UUID("0b8e4c57-2f6a-5d31-8c9e-4a7d1f3b6e20")
# Namespace of the timeline ids of chats: uuid5(namespace, "<chat id>").
CHATS = uuid.UUID("5c2f7e91-8a4d-5b63-9e1c-3d6a0f8b2e47")
# A chat's body (the transcript) stays within the interaction body's 20,000 characters.
TRANSCRIPT_BODY = 19_000
AUTHOR_WORDS = {"visitor": "Visitor", "agent": "Agent"}

STATUS_WORDS = {
    "draft": "drafted",
    "placed": "placed",
    "confirmed": "confirmed",
    "in_production": "in production",
    "shipped": "shipped",
    "delivered": "delivered",
    "cancelled": "cancelled",
}


def milestone_id(order_id: uuid.UUID, status: str) -> uuid.UUID:
    return uuid.uuid5(ORDER_MILESTONES, f"{order_id}:{status}")


def call_entry_id(call_id: str) -> uuid.UUID:
    """The timeline id of a call: one per call, whether it was answered or abandoned."""
    return uuid.uuid5(CALLS, call_id)


def chat_entry_id(chat_id: uuid.UUID) -> uuid.UUID:
    """The timeline id of a chat: one per chat."""
    return uuid.uuid5(CHATS, str(chat_id))


def whole_seconds(seconds: float) -> int:
    """`seconds` rounded half up to whole seconds (never below 0)."""
    return max(0, int(seconds + 0.5))


def spoken_duration(seconds: int) -> str:
    """`200` → "3 min 20 s", `45` → "45 s", `3600` → "1 h", `0` → "0 s"."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n} {unit}" for n, unit in ((hours, "h"), (minutes, "min"), (secs, "s")) if n]
    return " ".join(parts) or "0 s"


def _contact(session: Session, contact_id: uuid.UUID, event: CloudEvent) -> Contact | None:
    """The active contact the event is about (the survivor of a merge), or None (logged) when it is
    unknown or erased."""
    contact = contacts.resolve_active(session, contact_id, for_update=True)
    if contact is None:
        log.warning(
            "%s about unknown or erased contact %s skipped",
            event.type,
            contact_id,
            extra={"event_id": str(event.id), "event_type": event.type},
        )
    return contact


def _milestone(
    session: Session,
    contact: Contact,
    order_id: uuid.UUID,
    status: str,
    *,
    subject: str,
    occurred_at: datetime,
    metadata: dict[str, Any],
) -> None:
    """One timeline entry per (order, status): a second report of the same milestone is ignored."""
    entry_id = milestone_id(order_id, status)
    if interactions.exists(session, entry_id):
        return
    entry = InteractionCreate.model_validate(
        {
            "channel": "note",
            "direction": "inbound",
            "occurred_at": occurred_at,
            "subject": subject,
            "metadata": metadata,
        }
    )
    interactions.log_interaction(
        session, contact.id, entry, scope=EVERYTHING, interaction_id=entry_id
    )


def on_order_placed(session: Session, event: CloudEvent) -> None:
    """The contact becomes a customer (if a lead or prospect) and the order enters the timeline."""
    order = orders.OrderPlaced.model_validate(event.data).order
    contact = _contact(session, order.contact_id, event)
    if contact is None:
        return
    contacts.become_customer(session, contact)
    _milestone(
        session,
        contact,
        order.id,
        "placed",
        subject=f"Order {order.number} placed",
        occurred_at=order.placed_at or event.time,
        metadata={
            "order_id": str(order.id),
            "number": order.number,
            "status": "placed",
            "total": str(order.total),
            "currency": order.currency,
        },
    )


def on_order_status_changed(session: Session, event: CloudEvent) -> None:
    """A milestone: confirmed, in production, shipped (with tracking), delivered, cancelled."""
    change = orders.OrderStatusChanged.model_validate(event.data)
    contact = _contact(session, change.contact_id, event)
    if contact is None:
        return
    subject = f"Order {change.number} {STATUS_WORDS[change.to_status]}"
    metadata: dict[str, Any] = {
        "order_id": str(change.order_id),
        "number": change.number,
        "status": change.to_status,
        "from_status": change.from_status,
        "source": change.source,
    }
    if change.erp_order_number is not None:
        metadata["erp_order_number"] = change.erp_order_number
    if change.tracking is not None:
        subject += f" ({change.tracking.carrier} {change.tracking.number})"
        metadata["tracking"] = change.tracking.model_dump(mode="json", exclude_none=True)
    _milestone(
        session,
        contact,
        change.order_id,
        change.to_status,
        subject=subject,
        occurred_at=change.occurred_at,
        metadata=metadata,
    )


def on_order_cancelled(session: Session, event: CloudEvent) -> None:
    """The cancellation milestone (once, whether this or status_changed arrives first)."""
    cancelled = orders.OrderCancelled.model_validate(event.data)
    order = cancelled.order
    contact = _contact(session, order.contact_id, event)
    if contact is None:
        return
    metadata: dict[str, Any] = {
        "order_id": str(order.id),
        "number": order.number,
        "status": "cancelled",
        "total": str(order.total),
        "currency": order.currency,
    }
    if cancelled.reason is not None:
        metadata["reason"] = cancelled.reason
    _milestone(
        session,
        contact,
        order.id,
        "cancelled",
        subject=f"Order {order.number} cancelled",
        occurred_at=order.updated_at,
        metadata=metadata,
    )


def _create_requested_tasks(
    session: Session,
    event: CloudEvent,
    opportunity: orders.OpportunitySnapshot,
    requested: list[orders.RequestedTask],
) -> None:
    for wanted in requested:
        if tasks.exists(session, wanted.id):
            continue
        contact = _contact(session, wanted.contact_id or opportunity.contact_id, event)
        if contact is None:
            continue
        data = TaskCreate.model_validate(
            {
                "title": wanted.title,
                "kind": wanted.kind,
                "contact_id": contact.id,
                "assignee_id": wanted.assignee_id,
                "due_at": wanted.due_at,
            }
        )
        tasks.create_task(session, data, scope=EVERYTHING, task_id=wanted.id)


def on_opportunity_created(session: Session, event: CloudEvent) -> None:
    created = orders.OpportunityCreated.model_validate(event.data)
    _create_requested_tasks(session, event, created.opportunity, created.requested_tasks)


def on_opportunity_stage_changed(session: Session, event: CloudEvent) -> None:
    changed = orders.OpportunityStageChanged.model_validate(event.data)
    _create_requested_tasks(session, event, changed.opportunity, changed.requested_tasks)


def _call_entry(
    session: Session,
    event: CloudEvent,
    call_id: str,
    contact_id: uuid.UUID | None,
    values: dict[str, Any],
) -> None:
    """The timeline entry of `call_id` for its caller, once; callers this service does not know
    (no contact id, or one it has never heard of) are skipped."""
    if contact_id is None:
        log.info(
            "%s of call %s without a known caller skipped",
            event.type,
            call_id,
            extra={"event_id": str(event.id), "event_type": event.type},
        )
        return
    contact = _contact(session, contact_id, event)
    if contact is None:
        return
    entry_id = call_entry_id(call_id)
    if interactions.exists(session, entry_id):
        return
    entry = InteractionCreate.model_validate({"channel": "call", "direction": "inbound", **values})
    interactions.log_interaction(
        session, contact.id, entry, scope=EVERYTHING, interaction_id=entry_id
    )


def on_call_ended(session: Session, event: CloudEvent) -> None:
    """An answered call: when it rang, how long the caller talked, and with which agent."""
    call = routing.CallEnded.model_validate(event.data)
    duration = whole_seconds(call.duration_seconds)
    _call_entry(
        session,
        event,
        call.call_id,
        call.contact_id,
        {
            "occurred_at": call.started_at,
            "subject": f"Inbound call ({spoken_duration(duration)})",
            "agent_id": str(call.agent_id),
            "duration_seconds": duration,
            "metadata": {
                "outcome": "answered",
                **call.model_dump(
                    mode="json",
                    include={"call_id", "from_number", "category", "answered_at", "ended_at"},
                    exclude_none=True,
                ),
                "wait_seconds": whole_seconds(call.wait_seconds),
            },
        },
    )


def on_call_abandoned(session: Session, event: CloudEvent) -> None:
    """A missed call: the caller hung up after waiting, before any agent answered."""
    call = routing.CallAbandoned.model_validate(event.data)
    wait = whole_seconds(call.wait_seconds)
    metadata: dict[str, Any] = {
        "outcome": "abandoned",
        **call.model_dump(
            mode="json",
            include={"call_id", "from_number", "category", "abandoned_at"},
            exclude_none=True,
        ),
        "wait_seconds": wait,
    }
    if call.agent_id is not None:
        metadata["offered_to_agent_id"] = str(call.agent_id)
    _call_entry(
        session,
        event,
        call.call_id,
        call.contact_id,
        {
            "occurred_at": call.started_at,
            "subject": f"Missed call (hung up after {spoken_duration(wait)})",
            "metadata": metadata,
        },
    )


def transcript_body(chat: routing.ChatClosed) -> str | None:
    """The transcript as lines `Visitor (09:30:05): text` (UTC), cut to TRANSCRIPT_BODY characters
    with a note of what was left out; None for a chat without messages."""
    lines: list[str] = []
    size = 0
    for index, line in enumerate(chat.transcript):
        text = f"{AUTHOR_WORDS[line.author]} ({line.sent_at:%H:%M:%S}): {line.text}"
        if size + len(text) + 1 > TRANSCRIPT_BODY:
            lines.append(f"[{chat.message_count - index} more messages not shown]")
            break
        lines.append(text)
        size += len(text) + 1
    else:
        if chat.message_count > len(chat.transcript):
            lines.append(f"[{chat.message_count - len(chat.transcript)} more messages not shown]")
    return "\n".join(lines) or None


def on_chat_closed(session: Session, event: CloudEvent) -> None:
    """A finished web chat: when it opened, how long it lasted, the agent, and its transcript.
    Chats of visitors this service does not know are skipped."""
    chat = routing.ChatClosed.model_validate(event.data)
    if chat.contact_id is None:
        log.info(
            "%s of chat %s without a known visitor skipped",
            event.type,
            chat.chat_id,
            extra={"event_id": str(event.id), "event_type": event.type},
        )
        return
    contact = _contact(session, chat.contact_id, event)
    if contact is None:
        return
    entry_id = chat_entry_id(chat.chat_id)
    if interactions.exists(session, entry_id):
        return
    duration = whole_seconds((chat.closed_at - chat.opened_at).total_seconds())
    metadata: dict[str, Any] = {
        **chat.model_dump(
            mode="json",
            include={"chat_id", "session_id", "visitor_id", "closed_at", "closed_by"},
            exclude_none=True,
        ),
        "message_count": chat.message_count,
    }
    entry = InteractionCreate.model_validate(
        {
            "channel": "chat",
            "direction": "inbound",
            "occurred_at": chat.opened_at,
            "subject": f"Web chat ({spoken_duration(duration)}, {chat.message_count} messages)",
            "body": transcript_body(chat),
            "agent_id": str(chat.agent_id),
            "duration_seconds": duration,
            "metadata": metadata,
        }
    )
    interactions.log_interaction(
        session, contact.id, entry, scope=EVERYTHING, interaction_id=entry_id
    )


def on_agent_created(session: Session, event: CloudEvent) -> None:
    agents.apply_agent(session, routing.AgentCreated.model_validate(event.data).agent)


def on_agent_updated(session: Session, event: CloudEvent) -> None:
    """A new team (or none) for the agent; older versions than the one known are ignored."""
    agents.apply_agent(session, routing.AgentUpdated.model_validate(event.data).agent)


def on_agent_deactivated(session: Session, event: CloudEvent) -> None:
    """The agent is inactive; it keeps its team, so its contacts stay visible to its managers."""
    agents.apply_agent(session, routing.AgentDeactivated.model_validate(event.data).agent)


def on_order_delivered(session: Session, event: CloudEvent) -> None:
    """Loyalty points for a delivered order's contact (the survivor of a merge), once per order."""
    change = orders.OrderStatusChanged.model_validate(event.data)
    if change.to_status != "delivered":
        return
    if change.total is None or change.currency is None:
        log.info(
            "%s of order %s without a total: no loyalty points",
            event.type,
            change.order_id,
            extra={"event_id": str(event.id), "event_type": event.type},
        )
        return
    # An unknown contact was logged by on_order_status_changed, which runs first.
    contact = contacts.resolve_active(session, change.contact_id, for_update=True)
    if contact is None:
        return
    loyalty.earn_for_order(
        session,
        contact.id,
        order_id=change.order_id,
        number=change.number,
        total=change.total,
        currency=change.currency,
        delivered_at=change.occurred_at,
    )


def _in_turn(*handlers: Handler) -> Handler:
    """One handler running `handlers` in turn, in the same transaction."""

    def run(session: Session, event: CloudEvent) -> None:
        for handler in handlers:
            handler(session, event)

    return run


def on_orders_erasure_completed(session: Session, event: CloudEvent) -> None:
    done = orders.ErasureCompleted.model_validate(event.data)
    privacy.confirm_erasure(session, "orders", done.request_id, done.contact_id, done.completed_at)


def on_routing_erasure_completed(session: Session, event: CloudEvent) -> None:
    done = routing.ErasureCompleted.model_validate(event.data)
    privacy.confirm_erasure(session, "routing", done.request_id, done.contact_id, done.completed_at)


HANDLERS: Mapping[str, Handler] = {
    orders.OrderPlaced.event_type: correlated(on_order_placed),
    orders.OrderStatusChanged.event_type: correlated(
        _in_turn(on_order_status_changed, on_order_delivered)
    ),
    orders.OrderCancelled.event_type: correlated(on_order_cancelled),
    orders.OpportunityCreated.event_type: correlated(on_opportunity_created),
    orders.OpportunityStageChanged.event_type: correlated(on_opportunity_stage_changed),
    routing.CallEnded.event_type: correlated(on_call_ended),
    routing.CallAbandoned.event_type: correlated(on_call_abandoned),
    routing.ChatClosed.event_type: correlated(on_chat_closed),
    routing.AgentCreated.event_type: correlated(on_agent_created),
    routing.AgentUpdated.event_type: correlated(on_agent_updated),
    routing.AgentDeactivated.event_type: correlated(on_agent_deactivated),
    orders.ErasureCompleted.event_type: correlated(on_orders_erasure_completed),
    routing.ErasureCompleted.event_type: correlated(on_routing_erasure_completed),
}


def events_consumer(engine: Engine, settings: ContactsSettings) -> EventConsumer:
    """The worker that applies `HANDLERS` to `crm.orders` and `crm.routing` as consumer group
    `contacts`."""
    return EventConsumer(
        engine,
        ProcessedEvent,
        settings.kafka_bootstrap_servers,
        group_id=GROUP,
        topics=TOPICS,
        handlers=HANDLERS,
        max_retries=settings.consumer_max_retries,
    )
