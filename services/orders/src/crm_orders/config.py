"""The orders service's settings."""

from functools import lru_cache

from pydantic import AliasChoices, Field

from crm_common.settings import ServiceSettings


class OrdersSettings(ServiceSettings):
    """Shared `CRM_*` settings plus the orders service's own database and port."""

    service_name: str = "orders"
    database_url: str = Field(
        default="sqlite:///var/orders.db",
        validation_alias=AliasChoices("CRM_ORDERS_DATABASE_URL"),
    )
    port: int = Field(default=8002, validation_alias=AliasChoices("CRM_ORDERS_PORT"))


@lru_cache
def get_settings() -> OrdersSettings:
    return OrdersSettings()
