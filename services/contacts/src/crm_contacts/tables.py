"""Every table of the service, imported so that `ContactsBase.metadata` is complete."""

from crm_contacts.agents.models import KnownAgent
from crm_contacts.consents.models import Consent, ConsentChange
from crm_contacts.contacts.models import (
    Contact,
    ContactAssignee,
    ContactEmail,
    ContactPhone,
    ContactTag,
)
from crm_contacts.db import ContactsBase, IdempotencyRecord, Outbox, ProcessedEvent
from crm_contacts.interactions.models import Interaction
from crm_contacts.loyalty.models import LoyaltyAccount, LoyaltyEntry, LoyaltyProgramme
from crm_contacts.privacy.models import ErasureConfirmation, ErasureRequest
from crm_contacts.tasks.models import Task

metadata = ContactsBase.metadata

__all__ = [
    "Consent",
    "ConsentChange",
    "Contact",
    "ContactAssignee",
    "ContactEmail",
    "ContactPhone",
    "ContactTag",
    "ErasureConfirmation",
    "ErasureRequest",
    "IdempotencyRecord",
    "Interaction",
    "KnownAgent",
    "LoyaltyAccount",
    "LoyaltyEntry",
    "LoyaltyProgramme",
    "Outbox",
    "ProcessedEvent",
    "Task",
    "metadata",
]
