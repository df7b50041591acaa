"""Tables of contacts and their contact points (emails, phones), tags and assignees."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, text
from sqlmodel import Field

from crm_common.db import UTCDateTime, new_id, utcnow
from crm_contacts.db import ContactsBase


class Contact(ContactsBase, table=True):
    """A person or an organisation; a merged contact keeps only a pointer to its survivor, an erased
    one only its id."""

    __tablename__ = "contacts"
    # Only merged contacts are indexed: queries for active ones (IS NULL) must not be drawn to it.
    __table_args__ = (
        Index(
            "ix_contacts_merged_into_id",
            "merged_into_id",
            postgresql_where=text("merged_into_id IS NOT NULL"),
            sqlite_where=text("merged_into_id IS NOT NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    kind: str = Field(max_length=20)
    first_name: str | None = Field(default=None, max_length=200)
    last_name: str | None = Field(default=None, max_length=200)
    organization_name: str | None = Field(default=None, max_length=200)
    organization_id: uuid.UUID | None = Field(default=None, foreign_key="contacts.id", index=True)
    # Lower-cased names for case-insensitive search that behaves alike on SQLite and PostgreSQL.
    search_name: str = Field(default="", max_length=620)
    owner_id: str | None = Field(default=None, max_length=200, index=True)
    lifecycle_stage: str = Field(default="lead", max_length=20)
    attributes: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    address: dict[str, Any] | None = Field(default=None, sa_type=JSON(none_as_null=True))
    preferences: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    rating: int | None = Field(default=None)
    staff_comments: str | None = Field(default=None, max_length=2000)
    version: int = Field(default=1)
    merged_into_id: uuid.UUID | None = Field(default=None)
    merged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set by an erasure: the row keeps its id (events and other services name it) and nothing else
    # personal; every route answers 410 for it.
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ContactEmail(ContactsBase, table=True):
    """An email address of a contact, lower-cased; indexed for matching and lookups."""

    __tablename__ = "contact_emails"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    contact_id: uuid.UUID = Field(foreign_key="contacts.id", index=True)
    address: str = Field(max_length=320, index=True)
    label: str | None = Field(default=None, max_length=50)
    position: int = Field(default=0)


class ContactPhone(ContactsBase, table=True):
    """A phone number of a contact in E.164; indexed for the caller-ID lookup."""

    __tablename__ = "contact_phones"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    contact_id: uuid.UUID = Field(foreign_key="contacts.id", index=True)
    e164: str = Field(max_length=20, index=True)
    label: str | None = Field(default=None, max_length=50)
    position: int = Field(default=0)


class ContactTag(ContactsBase, table=True):
    """A tag of a contact, in a table of its own so that filtering by tag uses an index."""

    __tablename__ = "contact_tags"
    __table_args__ = (Index("ix_contact_tags_tag_contact_id", "tag", "contact_id"),)

    contact_id: uuid.UUID = Field(foreign_key="contacts.id", primary_key=True)
    tag: str = Field(max_length=64, primary_key=True)
    position: int = Field(default=0)


class ContactAssignee(ContactsBase, table=True):
    """An agent assigned to a contact besides its owner; row-level access looks contacts up by
    agent, hence the index that starts with agent_id."""

    __tablename__ = "contact_assignees"
    __table_args__ = (Index("ix_contact_assignees_agent_id_contact_id", "agent_id", "contact_id"),)

    contact_id: uuid.UUID = Field(foreign_key="contacts.id", primary_key=True)
    agent_id: str = Field(max_length=200, primary_key=True)
    position: int = Field(default=0)
