"""Settings shared by every service; each service subclasses `ServiceSettings` in its config.py."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_INTERNAL_SECRET = "dev-internal-secret-change-me-0000000000"  # noqa: S105 - refused outside development

Environment = Literal["development", "test", "production"]


class ServiceSettings(BaseSettings):
    """Common settings, read from `CRM_*` environment variables.

    A service's own fields (its database URL, its port) live in its subclass with an env prefix such
    as `CRM_CONTACTS_`, while the shared ones keep `CRM_` through explicit aliases.
    """

    model_config = SettingsConfigDict(env_prefix="CRM_", extra="ignore", populate_by_name=True)

    environment: Environment = "development"
    service_name: str = "service"
    database_url: str = "sqlite:///var/service.db"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    internal_secret: str = DEVELOPMENT_INTERNAL_SECRET
    internal_token_ttl_seconds: int = 60
    default_region: str = "US"
    log_level: str = "INFO"
    max_body_bytes: int = 1024 * 1024
    relay_enabled: bool = True
    relay_poll_seconds: float = 0.5
    relay_batch_size: int = 500
    consumers_enabled: bool = True
    consumer_max_retries: int = 3

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> ServiceSettings:
        if self.environment == "production" and (
            self.internal_secret == DEVELOPMENT_INTERNAL_SECRET or len(self.internal_secret) < 32
        ):
            raise ValueError(
                "CRM_INTERNAL_SECRET must be set to a random value of at least 32 characters "
                "outside development"
            )
        return self
