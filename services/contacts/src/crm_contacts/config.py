"""The contacts service's settings."""

from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, Field, field_validator

from crm_common.access import RowAccess
from crm_common.settings import ServiceSettings

# Services that confirm erasures with an event this service consumes (crm_contacts.handlers).
ErasureService = Literal["orders", "routing"]


class ContactsSettings(ServiceSettings):
    """Shared `CRM_*` settings plus the contacts service's own database and port."""

    service_name: str = "contacts"
    database_url: str = Field(
        default="sqlite:///var/contacts.db",
        validation_alias=AliasChoices("CRM_CONTACTS_DATABASE_URL"),
    )
    port: int = Field(default=8001, validation_alias=AliasChoices("CRM_CONTACTS_PORT"))
    loyalty_latest_entries: int = Field(
        default=10,
        ge=1,
        le=200,
        validation_alias=AliasChoices("CRM_CONTACTS_LOYALTY_LATEST_ENTRIES"),
        description="How many of the latest ledger entries `GET /v1/me/loyalty` shows",
    )
    # "scoped": agents see their contacts, managers their team's, admins and partners all;
    # "open": every staff member sees every contact (crm_contacts.access).
    row_access: RowAccess = Field(
        default="scoped", validation_alias=AliasChoices("CRM_CONTACTS_ROW_ACCESS")
    )

    # The services whose confirmation (`<service>.erasure.completed.v1`) completes an erasure
    # request, as a JSON list: '["orders", "routing"]'.
    erasure_services: list[ErasureService] = Field(
        default=["orders", "routing"],
        validation_alias=AliasChoices("CRM_CONTACTS_ERASURE_SERVICES"),
    )

    @field_validator("erasure_services")
    @classmethod
    def _each_once(cls, value: list[ErasureService]) -> list[ErasureService]:
        if len(set(value)) != len(value):
            raise ValueError("must name each service once")
        return value


@lru_cache
def get_settings() -> ContactsSettings:
    return ContactsSettings()
