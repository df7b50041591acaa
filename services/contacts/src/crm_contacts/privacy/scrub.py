"""Event payloads of `crm.contacts` without the personal data of an erased contact (pure: no I/O).

The outbox keeps every event, and the relay re-sends a topic after the broker lost it; after an
erasure those re-sends must carry nothing personal. Each payload stays valid for its schema:
names null, contact points, tags and attributes empty, free text "erased". Types that carry no
personal data (consent changes, task completions, the erasure itself) are left as they are.
"""

from collections.abc import Callable, Mapping
from typing import Any

from crm_common.events import contacts as events

ERASED = "erased"

Data = dict[str, Any]


def snapshot(contact: Data) -> Data:
    """A `ContactSnapshot` of an erased contact: what identifies the row and its stage only."""
    return {
        **contact,
        "first_name": None,
        "last_name": None,
        "organization_name": None,
        "organization_id": None,
        "emails": [],
        "phones": [],
        "tags": [],
        "attributes": {},
    }


def _contact(data: Data) -> Data:
    return {**data, "contact": snapshot(data["contact"])}


def _merged(data: Data) -> Data:
    return {**data, "survivor": snapshot(data["survivor"])}


def _interaction(data: Data) -> Data:
    return {**data, "subject": None if data.get("subject") is None else ERASED}


def _task(data: Data) -> Data:
    return {**data, "title": ERASED}


_SCRUBBERS: Mapping[str, Callable[[Data], Data]] = {
    events.ContactCreated.event_type: _contact,
    events.ContactUpdated.event_type: _contact,
    events.ContactMerged.event_type: _merged,
    events.InteractionLogged.event_type: _interaction,
    events.TaskCreated.event_type: _task,
}


def scrubbed(event_type: str, data: Data) -> Data:
    """`data` of an event of `event_type` about an erased contact, without its personal data."""
    scrub = _SCRUBBERS.get(event_type)
    return data if scrub is None else scrub(data)
