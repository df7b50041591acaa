"""Every table of the service, imported so that `ContactsBase.metadata` is complete."""

from crm_contacts.consents.models import Consent, ConsentChange
from crm_contacts.contacts.models import Contact, ContactEmail, ContactPhone, ContactTag
from crm_contacts.db import ContactsBase, IdempotencyRecord, Outbox, ProcessedEvent
from crm_contacts.interactions.models import Interaction
from crm_contacts.tasks.models import Task

metadata = ContactsBase.metadata

__all__ = [
    "Consent",
    "ConsentChange",
    "Contact",
    "ContactEmail",
    "ContactPhone",
    "ContactTag",
    "IdempotencyRecord",
    "Interaction",
    "Outbox",
    "ProcessedEvent",
    "Task",
    "metadata",
]
