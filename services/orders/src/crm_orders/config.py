"""The orders service's settings."""

from functools import lru_cache

from pydantic import AliasChoices, Field

from crm_common.access import RowAccess
from crm_common.settings import ServiceSettings


class OrdersSettings(ServiceSettings):
    """Shared `CRM_*` settings plus the orders service's own database and port."""

    service_name: str = "orders"
    database_url: str = Field(
        default="sqlite:///var/orders.db",
        validation_alias=AliasChoices("CRM_ORDERS_DATABASE_URL"),
    )
    port: int = Field(default=8002, validation_alias=AliasChoices("CRM_ORDERS_PORT"))
    # "scoped": agents see the records of their contacts and opportunities, managers their team's,
    # admins and the integrations all; "open": every staff member sees every record
    # (crm_orders.access).
    row_access: RowAccess = Field(
        default="scoped", validation_alias=AliasChoices("CRM_ORDERS_ROW_ACCESS")
    )


@lru_cache
def get_settings() -> OrdersSettings:
    return OrdersSettings()
