"""Consents per purpose: the current state and every change that led to it."""

import uuid
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field

from crm_common.db import UTCDateTime, new_id, utcnow
from crm_contacts.db import ContactsBase


class Consent(ContactsBase, table=True):
    """The current consent of one contact for one purpose."""

    __tablename__ = "consents"

    contact_id: uuid.UUID = Field(foreign_key="contacts.id", primary_key=True)
    purpose: str = Field(max_length=40, primary_key=True)
    granted: bool
    source: str = Field(max_length=200)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = Field(default=1)


class ConsentChange(ContactsBase, table=True):
    """One change of a consent, kept for the record (also across merges)."""

    __tablename__ = "consent_changes"
    __table_args__ = (
        Index("ix_consent_changes_contact_id_changed_at_id", "contact_id", "changed_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    contact_id: uuid.UUID = Field(foreign_key="contacts.id")
    purpose: str = Field(max_length=40)
    granted: bool
    source: str = Field(max_length=200)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
