"""The gateway's settings: its database, the upstream services, the bootstrap key, timeouts."""

from functools import lru_cache
from typing import Any

from pydantic import AliasChoices, Field, field_validator, model_validator

from crm_common.settings import ServiceSettings

MIN_PRODUCTION_KEY_LENGTH = 32
DEVELOPMENT_CUSTOMER_TOKEN_SECRET = "dev-customer-token-secret-change-me-00000"  # noqa: S105 - refused outside development
DEVELOPMENT_WEBHOOK_SECRET = "dev-webhook-secret-change-me-000000000000"  # noqa: S105 - refused outside development
# What the telephony platform acts on: a queued call got an agent; a callback is to be dialled.
TELEPHONY_WEBHOOK_EVENTS = ("routing.call.assigned.v1", "routing.callback.connect.v1")


def _gateway(name: str, default: Any) -> Any:
    """A gateway-only setting read from `CRM_GATEWAY_<NAME>`."""
    return Field(default=default, validation_alias=AliasChoices(f"CRM_GATEWAY_{name.upper()}"))


def _upstream(service: str, port: int) -> Any:
    """The base URL of an upstream service, from `CRM_<SERVICE>_URL` (as `make run` sets it)."""
    return Field(
        default=f"http://127.0.0.1:{port}",
        validation_alias=AliasChoices(f"CRM_{service.upper()}_URL"),
        json_schema_extra={"upstream": service},
    )


class GatewaySettings(ServiceSettings):
    """Shared `CRM_*` settings plus the gateway's own."""

    service_name: str = "gateway"
    database_url: str = Field(
        default="sqlite:///var/gateway.db",
        validation_alias=AliasChoices("CRM_GATEWAY_DATABASE_URL"),
    )

    # The upstream services, one line each; proxy/routes.py says which paths go to which.
    contacts_url: str = _upstream("contacts", 8001)
    orders_url: str = _upstream("orders", 8002)
    routing_url: str = _upstream("routing", 8003)

    bootstrap_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("CRM_BOOTSTRAP_API_KEY")
    )
    upstream_timeout_seconds: float = _gateway("upstream_timeout_seconds", 30.0)
    upstream_connect_timeout_seconds: float = _gateway("upstream_connect_timeout_seconds", 3.0)
    upstream_max_connections: int = _gateway("upstream_max_connections", 200)
    readiness_timeout_seconds: float = _gateway("readiness_timeout_seconds", 2.0)
    openapi_cache_seconds: float = _gateway("openapi_cache_seconds", 5.0)
    key_cache_seconds: float = _gateway("key_cache_seconds", 5.0)

    # Customer tokens (customers/): short-lived bearer tokens the website obtains for a signed-in
    # customer, signed with this secret (a known one stands in during development only).
    customer_token_secret: str | None = _gateway("customer_token_secret", None)
    customer_token_ttl_seconds: int = Field(
        default=900,
        ge=30,
        le=86_400,
        validation_alias=AliasChoices("CRM_GATEWAY_CUSTOMER_TOKEN_TTL_SECONDS"),
    )
    # Rate limits (limits.py), requests a minute: an API key without its own limit, a customer
    # token, and an anonymous client of a public route (by address). None: unlimited.
    default_rate_limit_per_minute: int | None = Field(
        default=6000,
        ge=1,
        validation_alias=AliasChoices("CRM_GATEWAY_DEFAULT_RATE_LIMIT_PER_MINUTE"),
    )
    customer_rate_limit_per_minute: int = Field(
        default=600,
        ge=1,
        validation_alias=AliasChoices("CRM_GATEWAY_CUSTOMER_RATE_LIMIT_PER_MINUTE"),
    )
    public_rate_limit_per_minute: int = Field(
        default=120, ge=1, validation_alias=AliasChoices("CRM_GATEWAY_PUBLIC_RATE_LIMIT_PER_MINUTE")
    )
    # The audit log (audit/): how often queued entries are written.
    audit_flush_seconds: float = Field(
        default=0.25, gt=0, le=10, validation_alias=AliasChoices("CRM_GATEWAY_AUDIT_FLUSH_SECONDS")
    )
    # The 360° view and exports (composition/): how long each service may take to answer.
    composition_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        le=60,
        validation_alias=AliasChoices("CRM_GATEWAY_COMPOSITION_TIMEOUT_SECONDS"),
    )

    # The signed webhook to the telephony platform (telephony/): `crm.routing` events it must act
    # on, POSTed as CloudEvents. Unset URL: disabled.
    telephony_webhook_url: str | None = _gateway("telephony_webhook_url", None)
    telephony_webhook_secret: str | None = _gateway("telephony_webhook_secret", None)
    telephony_webhook_events: list[str] = _gateway(
        "telephony_webhook_events", list(TELEPHONY_WEBHOOK_EVENTS)
    )
    telephony_webhook_group: str = _gateway("telephony_webhook_group", "gateway-telephony")
    telephony_webhook_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        le=60,
        validation_alias=AliasChoices("CRM_GATEWAY_TELEPHONY_WEBHOOK_TIMEOUT_SECONDS"),
    )
    telephony_webhook_max_attempts: int = Field(
        default=5,
        ge=1,
        le=20,
        validation_alias=AliasChoices("CRM_GATEWAY_TELEPHONY_WEBHOOK_MAX_ATTEMPTS"),
        description="Attempts per event (5xx, 408, 429, timeouts and refused connections are "
        "retried) before it goes to the consumer group's dead-letter topic",
    )
    telephony_webhook_backoff_seconds: float = Field(
        default=0.5,
        gt=0,
        le=60,
        validation_alias=AliasChoices("CRM_GATEWAY_TELEPHONY_WEBHOOK_BACKOFF_SECONDS"),
        description="The wait before the first retry; it doubles with each one (at most 30 s)",
    )

    # Partner webhooks (webhooks/): every event of crm.contacts, crm.orders and crm.routing is kept
    # for `webhook_retention_days` and POSTed, signed, to the subscriptions whose types it matches.
    webhook_enabled: bool = _gateway("webhook_enabled", True)
    webhook_group: str = _gateway("webhook_group", "gateway-webhooks")
    webhook_poll_seconds: float = Field(
        default=1.0, gt=0, le=60, validation_alias=AliasChoices("CRM_GATEWAY_WEBHOOK_POLL_SECONDS")
    )
    webhook_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=60,
        validation_alias=AliasChoices("CRM_GATEWAY_WEBHOOK_TIMEOUT_SECONDS"),
    )
    webhook_max_attempts: int = Field(
        default=10,
        ge=1,
        le=30,
        validation_alias=AliasChoices("CRM_GATEWAY_WEBHOOK_MAX_ATTEMPTS"),
        description="Attempts per delivery (5xx, 408, 429, timeouts and refused connections are "
        "retried) before it fails",
    )
    webhook_backoff_base_seconds: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        validation_alias=AliasChoices("CRM_GATEWAY_WEBHOOK_BACKOFF_BASE_SECONDS"),
        description="The wait before the first retry; it doubles with each one, with jitter",
    )
    webhook_backoff_max_seconds: float = Field(
        default=3600.0,
        gt=0,
        le=86400,
        validation_alias=AliasChoices("CRM_GATEWAY_WEBHOOK_BACKOFF_MAX_SECONDS"),
    )
    webhook_disable_after_failures: int = Field(
        default=10,
        ge=1,
        validation_alias=AliasChoices("CRM_GATEWAY_WEBHOOK_DISABLE_AFTER_FAILURES"),
        description="A subscription whose deliveries failed this many times in a row is disabled",
    )
    webhook_disable_after_hours: float = Field(
        default=72.0,
        gt=0,
        validation_alias=AliasChoices("CRM_GATEWAY_WEBHOOK_DISABLE_AFTER_HOURS"),
        description="... or whose attempts have failed, without a success, for this long",
    )
    webhook_retention_days: int = Field(
        default=30,
        ge=1,
        le=365,
        validation_alias=AliasChoices("CRM_GATEWAY_WEBHOOK_RETENTION_DAYS"),
        description="Events and deliveries are kept this long (the window replays reach back)",
    )

    @property
    def upstreams(self) -> dict[str, str]:
        """Service name → base URL (without a trailing slash), in declaration order."""
        found: dict[str, str] = {}
        for name, field in type(self).model_fields.items():
            extra = field.json_schema_extra
            if isinstance(extra, dict) and isinstance(extra.get("upstream"), str):
                found[str(extra["upstream"])] = str(getattr(self, name)).rstrip("/")
        return found

    @field_validator("bootstrap_api_key")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        value = value.strip() if value is not None else None
        return value or None

    @field_validator("telephony_webhook_url", "telephony_webhook_secret")
    @classmethod
    def _blank_webhook_setting_is_none(cls, value: str | None) -> str | None:
        value = value.strip() if value is not None else None
        return value or None

    @field_validator("telephony_webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.lower().startswith(("http://", "https://")):
            raise ValueError("CRM_GATEWAY_TELEPHONY_WEBHOOK_URL must be an http:// or https:// URL")
        return value

    @model_validator(mode="after")
    def _telephony_webhook_secret(self) -> "GatewaySettings":
        """A webhook URL needs a secret to sign with: in development a known one stands in, never
        elsewhere; production refuses that one and any shorter than 32 characters."""
        if self.telephony_webhook_url is None:
            return self
        if self.telephony_webhook_secret is None:
            if self.environment != "development":
                raise ValueError(
                    "CRM_GATEWAY_TELEPHONY_WEBHOOK_SECRET must be set when "
                    "CRM_GATEWAY_TELEPHONY_WEBHOOK_URL is"
                )
            self.telephony_webhook_secret = DEVELOPMENT_WEBHOOK_SECRET
        if self.environment == "production" and (
            self.telephony_webhook_secret == DEVELOPMENT_WEBHOOK_SECRET
            or len(self.telephony_webhook_secret) < MIN_PRODUCTION_KEY_LENGTH
        ):
            raise ValueError(
                "CRM_GATEWAY_TELEPHONY_WEBHOOK_SECRET must be a random value of at least "
                f"{MIN_PRODUCTION_KEY_LENGTH} characters outside development"
            )
        return self

    @field_validator("customer_token_secret")
    @classmethod
    def _blank_secret_is_none(cls, value: str | None) -> str | None:
        value = value.strip() if value is not None else None
        return value or None

    @model_validator(mode="after")
    def _customer_token_secret(self) -> "GatewaySettings":
        """Customer tokens need a secret: a known one in development, a strong one elsewhere."""
        if self.customer_token_secret is None:
            if self.environment != "development":
                raise ValueError(
                    "CRM_GATEWAY_CUSTOMER_TOKEN_SECRET must be set outside development"
                )
            self.customer_token_secret = DEVELOPMENT_CUSTOMER_TOKEN_SECRET
        if self.environment == "production" and (
            self.customer_token_secret == DEVELOPMENT_CUSTOMER_TOKEN_SECRET
            or len(self.customer_token_secret) < MIN_PRODUCTION_KEY_LENGTH
        ):
            raise ValueError(
                "CRM_GATEWAY_CUSTOMER_TOKEN_SECRET must be a random value of at least "
                f"{MIN_PRODUCTION_KEY_LENGTH} characters outside development"
            )
        return self

    @model_validator(mode="after")
    def _refuse_weak_bootstrap_key(self) -> "GatewaySettings":
        key = self.bootstrap_api_key
        if (
            self.environment == "production"
            and key is not None
            and len(key) < MIN_PRODUCTION_KEY_LENGTH
        ):
            raise ValueError(
                f"CRM_BOOTSTRAP_API_KEY must be at least {MIN_PRODUCTION_KEY_LENGTH} characters "
                "outside development"
            )
        return self


@lru_cache
def get_settings() -> GatewaySettings:
    return GatewaySettings()
