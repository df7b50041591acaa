"""The routing service's settings."""

from decimal import Decimal
from functools import lru_cache

from pydantic import AliasChoices, Field

from crm_common.settings import ServiceSettings


def _env(name: str) -> AliasChoices:
    return AliasChoices(f"CRM_ROUTING_{name}")


class RoutingSettings(ServiceSettings):
    """Shared `CRM_*` settings plus the routing service's database, port and ACD parameters."""

    service_name: str = "routing"
    database_url: str = Field(
        default="sqlite:///var/routing.db", validation_alias=_env("DATABASE_URL")
    )
    port: int = Field(default=8003, validation_alias=_env("PORT"))
    wrap_up_seconds: float = Field(
        default=30.0, ge=0, le=3600, validation_alias=_env("WRAP_UP_SECONDS")
    )
    widen_after_seconds: float = Field(
        default=60.0,
        gt=0,
        validation_alias=_env("WIDEN_AFTER_SECONDS"),
        description="A queued call waiting this long may go to any ready agent",
    )
    expected_handle_seconds: int = Field(
        default=180, ge=1, validation_alias=_env("EXPECTED_HANDLE_SECONDS")
    )
    dispatch_enabled: bool = Field(default=True, validation_alias=_env("DISPATCH_ENABLED"))
    dispatch_poll_seconds: float = Field(
        default=1.0, gt=0, validation_alias=_env("DISPATCH_POLL_SECONDS")
    )
    dialled_categories: dict[str, str] = Field(
        default={},
        validation_alias=_env("DIALLED_CATEGORIES"),
        description='Dialled number (E.164) → category, as JSON: {"+441234567890": "ski"}',
    )
    vip_total_spent: Decimal = Field(
        default=Decimal("10000"), validation_alias=_env("VIP_TOTAL_SPENT")
    )
    lifecycle_priority: dict[str, int] = Field(
        default={"customer": 20, "prospect": 10, "lead": 10, "inactive": 0},
        validation_alias=_env("LIFECYCLE_PRIORITY"),
    )
    vip_priority: int = Field(default=50, validation_alias=_env("VIP_PRIORITY"))
    engage_at_page_views: int = Field(
        default=5,
        ge=1,
        le=1000,
        validation_alias=_env("ENGAGE_AT_PAGE_VIEWS"),
        description="Without active engagement rules, a web session is engaged at this page view",
    )
    web_max_waiting_calls: int = Field(
        default=5,
        ge=0,
        validation_alias=_env("WEB_MAX_WAITING_CALLS"),
        description="No web offer while more calls than this wait in the queue",
    )
    chat_offer_seconds: float = Field(
        default=300.0,
        gt=0,
        validation_alias=_env("CHAT_OFFER_SECONDS"),
        description="A chat offer counts against the agent's max_concurrent_chats this long",
    )


@lru_cache
def get_settings() -> RoutingSettings:
    return RoutingSettings()
