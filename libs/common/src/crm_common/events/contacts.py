"""Payloads published by the contacts service on `crm.contacts` (key: the contact id)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from crm_common.events.envelope import EventPayload

TOPIC = "crm.contacts"


class EmailPoint(BaseModel):
    address: str
    label: str | None = None


class PhonePoint(BaseModel):
    number: str
    label: str | None = None


class ContactSnapshot(BaseModel):
    """The contact as it is after the change, without staff-only fields (rating, staff comments)."""

    id: uuid.UUID
    kind: Literal["person", "organization"]
    first_name: str | None = None
    last_name: str | None = None
    organization_name: str | None = None
    organization_id: uuid.UUID | None = None
    emails: list[EmailPoint] = []
    phones: list[PhonePoint] = []
    owner_id: str | None = None
    assignee_ids: list[str] = Field(
        default_factory=list,
        description="Agent ids of the agents assigned to the contact besides its owner",
    )
    lifecycle_stage: Literal["lead", "prospect", "customer", "inactive"]
    tags: list[str] = []
    attributes: dict[str, Any] = {}
    version: int
    created_at: datetime
    updated_at: datetime


class ContactCreated(EventPayload):
    event_type = "contacts.contact.created.v1"
    topic = TOPIC
    contact: ContactSnapshot


class ContactUpdated(EventPayload):
    event_type = "contacts.contact.updated.v1"
    topic = TOPIC
    contact: ContactSnapshot
    changed_fields: list[str]


class ContactMerged(EventPayload):
    event_type = "contacts.contact.merged.v1"
    topic = TOPIC
    survivor_id: uuid.UUID
    duplicate_id: uuid.UUID
    survivor: ContactSnapshot


class InteractionLogged(EventPayload):
    event_type = "contacts.interaction.logged.v1"
    topic = TOPIC
    id: uuid.UUID
    contact_id: uuid.UUID
    channel: Literal["call", "email", "meeting", "chat", "web", "note"]
    direction: Literal["inbound", "outbound"]
    occurred_at: datetime
    subject: str | None = None
    agent_id: str | None = None
    duration_seconds: int | None = None


class ConsentChanged(EventPayload):
    event_type = "contacts.consent.changed.v1"
    topic = TOPIC
    contact_id: uuid.UUID
    purpose: str
    granted: bool
    source: str
    changed_at: datetime


class TaskCreated(EventPayload):
    event_type = "contacts.task.created.v1"
    topic = TOPIC
    id: uuid.UUID
    title: str
    kind: Literal["call", "meeting", "todo"]
    contact_id: uuid.UUID | None = None
    assignee_id: str | None = None
    due_at: datetime | None = None
    ends_at: datetime | None = None


class TaskCompleted(EventPayload):
    event_type = "contacts.task.completed.v1"
    topic = TOPIC
    id: uuid.UUID
    contact_id: uuid.UUID | None = None
    assignee_id: str | None = None
    completed_at: datetime


class ContactErased(EventPayload):
    """The contact's personal data was erased (a data subject's right to erasure).

    Every service anonymises what it holds about `contact_id` and confirms with its own
    `<service>.erasure.completed.v1`, naming `request_id`. The contact answers 410 from now on.
    """

    event_type = "contacts.contact.erased.v1"
    topic = TOPIC
    contact_id: uuid.UUID
    request_id: uuid.UUID
    requested_at: datetime
