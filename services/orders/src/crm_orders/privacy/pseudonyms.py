"""What an erased contact's records keep, as pure rules: the pseudonym the ERP knows them by, the
delivery address reduced to its country, and free text (which may name the person) replaced.

Orders, quotes and opportunities are kept for accounting; amounts, lines, products, statuses,
dates, tracking references and the contact id (a random id, which now leads to no person) stay.
"""

import uuid
from collections.abc import Mapping
from typing import Any

ERASED = "erased"
# Namespace of customer pseudonyms: "erased:" + uuid5(namespace, "<contact id>").
PSEUDONYMS = uuid.UUID("3a7c1e52-9b4d-5f08-8e6a-2c1d7f9b0a35")

# Order events whose `order` is a whole snapshot; opportunity events whose `opportunity` is one.
ORDER_EVENTS = frozenset(
    {"orders.order.placed.v1", "orders.order.amended.v1", "orders.order.cancelled.v1"}
)
OPPORTUNITY_EVENTS = frozenset(
    {
        "orders.opportunity.created.v1",
        "orders.opportunity.stage_changed.v1",
        "orders.opportunity.won.v1",
        "orders.opportunity.lost.v1",
        "orders.opportunity.updated.v1",
    }
)
# Events whose own `reason` / `lost_reason` is free text.
REASONS = {"orders.order.cancelled.v1": "reason", "orders.opportunity.lost.v1": "lost_reason"}


def customer_reference(contact_id: uuid.UUID) -> str:
    """The stable pseudonym of an erased contact (the same on every run, for every order)."""
    return f"{ERASED}:{uuid.uuid5(PSEUDONYMS, str(contact_id))}"


def text(value: str | None) -> str | None:
    """Free text replaced (it may name the person); absent text stays absent."""
    return None if value is None else ERASED


def address(original: Mapping[str, Any]) -> dict[str, Any]:
    """A delivery address with only its country left (required parts say "erased")."""
    return {
        "name": None,
        "line1": ERASED,
        "line2": None,
        "postal_code": ERASED,
        "city": ERASED,
        "region": None,
        "country": original["country"],
    }


def order_document(order: Mapping[str, Any], contact_id: uuid.UUID) -> dict[str, Any]:
    """An order as JSON (an event snapshot or a stored answer), without the person's data: the
    parts it has of address, customer reference, cancel reason and status history reasons."""
    scrubbed = dict(order)
    if "delivery_address" in scrubbed:
        scrubbed["delivery_address"] = address(scrubbed["delivery_address"])
    if "customer_reference" in scrubbed:
        scrubbed["customer_reference"] = customer_reference(contact_id)
    if "cancel_reason" in scrubbed:
        scrubbed["cancel_reason"] = text(scrubbed["cancel_reason"])
    if isinstance(scrubbed.get("history"), list):
        scrubbed["history"] = [
            {**entry, "reason": text(entry.get("reason"))} if "reason" in entry else entry
            for entry in scrubbed["history"]
        ]
    return scrubbed


def opportunity_document(opportunity: Mapping[str, Any]) -> dict[str, Any]:
    """An opportunity snapshot with its title and lost reason replaced."""
    return {
        **opportunity,
        "title": ERASED,
        "lost_reason": text(opportunity.get("lost_reason")),
    }


def event_data(event_type: str, data: Mapping[str, Any], contact_id: uuid.UUID) -> dict[str, Any]:
    """The `data` of an outbox event about the contact's order or opportunity, as a re-send may
    carry it: still valid for its schema, without the person's data. Other events are unchanged."""
    scrubbed = dict(data)
    if event_type in ORDER_EVENTS and isinstance(scrubbed.get("order"), Mapping):
        scrubbed["order"] = order_document(scrubbed["order"], contact_id)
    if event_type in OPPORTUNITY_EVENTS and isinstance(scrubbed.get("opportunity"), Mapping):
        scrubbed["opportunity"] = opportunity_document(scrubbed["opportunity"])
    reason = REASONS.get(event_type)
    if reason is not None and reason in scrubbed:
        scrubbed[reason] = text(scrubbed[reason])
    return scrubbed
