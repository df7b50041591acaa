"""The contacts service's settings."""

from functools import lru_cache

from pydantic import AliasChoices, Field

from crm_common.settings import ServiceSettings


class ContactsSettings(ServiceSettings):
    """Shared `CRM_*` settings plus the contacts service's own database and port."""

    service_name: str = "contacts"
    database_url: str = Field(
        default="sqlite:///var/contacts.db",
        validation_alias=AliasChoices("CRM_CONTACTS_DATABASE_URL"),
    )
    port: int = Field(default=8001, validation_alias=AliasChoices("CRM_CONTACTS_PORT"))


@lru_cache
def get_settings() -> ContactsSettings:
    return ContactsSettings()
