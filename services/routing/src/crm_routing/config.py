"""The routing service's settings."""

from decimal import Decimal
from functools import lru_cache
from typing import Annotated

from pydantic import AliasChoices, Field

from crm_common.access import RowAccess
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
    row_access: RowAccess = Field(
        default="scoped",
        validation_alias=_env("ROW_ACCESS"),
        description="scoped: agents see the calls, callbacks, chats and web sessions of their own "
        "agent or contacts, managers their team's, admins all (crm_routing.access); open: every "
        "staff member sees all",
    )
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
    callback_max_attempts: int = Field(
        default=3,
        ge=1,
        le=20,
        validation_alias=_env("CALLBACK_MAX_ATTEMPTS"),
        description="A callback fails after this many attempts without a connection",
    )
    callback_retry_delays_seconds: list[Annotated[int, Field(ge=0, le=86400)]] = Field(
        default=[300, 900],
        min_length=1,
        validation_alias=_env("CALLBACK_RETRY_DELAYS_SECONDS"),
        description="Wait after attempt n before attempt n+1, as JSON: [300, 900] (the last "
        "one repeats)",
    )
    callback_max_window_seconds: int = Field(
        default=7 * 86400,
        ge=60,
        validation_alias=_env("CALLBACK_MAX_WINDOW_SECONDS"),
        description="The longest window a callback may ask for",
    )
    callback_max_ahead_seconds: int = Field(
        default=90 * 86400,
        ge=60,
        validation_alias=_env("CALLBACK_MAX_AHEAD_SECONDS"),
        description="How far ahead a callback's window may start",
    )
    callback_attempt_timeout_seconds: float = Field(
        default=3600.0,
        gt=0,
        validation_alias=_env("CALLBACK_ATTEMPT_TIMEOUT_SECONDS"),
        description="An attempt without a reported outcome this long fails and frees its agent",
    )
    callback_batch_size: int = Field(
        default=100,
        ge=1,
        le=10000,
        validation_alias=_env("CALLBACK_BATCH_SIZE"),
        description="Due callbacks routed per dispatcher tick (the rest wait for the next)",
    )
    service_level_seconds: int = Field(
        default=20,
        ge=1,
        le=3600,
        validation_alias=_env("SERVICE_LEVEL_SECONDS"),
        description="Call statistics count a call answered within this many seconds as in service "
        "level",
    )
    monitor_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        validation_alias=_env("MONITOR_POLL_SECONDS"),
        description="The monitor stream looks for a change this often",
    )
    monitor_keepalive_seconds: float = Field(
        default=15.0,
        gt=0,
        validation_alias=_env("MONITOR_KEEPALIVE_SECONDS"),
        description="The monitor stream sends a keepalive comment after this long without a frame",
    )
    sse_poll_seconds: float = Field(
        default=0.25,
        gt=0,
        le=60,
        validation_alias=_env("SSE_POLL_SECONDS"),
        description="The agents' feed and chat streams look for new events this often",
    )
    sse_keepalive_seconds: float = Field(
        default=15.0,
        gt=0,
        validation_alias=_env("SSE_KEEPALIVE_SECONDS"),
        description="A feed or chat stream sends a keepalive comment after this long without a "
        "frame",
    )
    sse_max_seconds: float = Field(
        default=300.0,
        gt=0,
        validation_alias=_env("SSE_MAX_SECONDS"),
        description="A stream ends after this long with a retry hint; the client reconnects with "
        "Last-Event-ID (no connection is held for ever)",
    )


@lru_cache
def get_settings() -> RoutingSettings:
    return RoutingSettings()
