"""The gateway's settings and the environment variables they come from."""

import pytest
from pydantic import ValidationError

from crm_gateway.config import (
    DEVELOPMENT_CUSTOMER_TOKEN_SECRET,
    DEVELOPMENT_WEBHOOK_SECRET,
    GatewaySettings,
)

CUSTOMER_SECRET = "c" * 40


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in [n for n in os.environ if n.startswith("CRM_")]:
        monkeypatch.delenv(name)


def test_defaults() -> None:
    settings = GatewaySettings()

    assert settings.service_name == "gateway"
    assert settings.database_url == "sqlite:///var/gateway.db"
    assert settings.upstreams == {
        "contacts": "http://127.0.0.1:8001",
        "orders": "http://127.0.0.1:8002",
        "routing": "http://127.0.0.1:8003",
    }
    assert settings.bootstrap_api_key is None


def test_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_GATEWAY_DATABASE_URL", "postgresql://db/gateway")
    monkeypatch.setenv("CRM_CONTACTS_URL", "http://contacts:8001/")
    monkeypatch.setenv("CRM_ORDERS_URL", "http://orders:8002")
    monkeypatch.setenv("CRM_ROUTING_URL", "http://routing:8003")
    monkeypatch.setenv("CRM_BOOTSTRAP_API_KEY", "rk_dev_key")
    monkeypatch.setenv("CRM_GATEWAY_UPSTREAM_TIMEOUT_SECONDS", "2.5")
    monkeypatch.setenv("CRM_GATEWAY_KEY_CACHE_SECONDS", "1")

    settings = GatewaySettings()

    assert settings.database_url == "postgresql://db/gateway"
    assert settings.upstreams == {
        "contacts": "http://contacts:8001",
        "orders": "http://orders:8002",
        "routing": "http://routing:8003",
    }
    assert settings.bootstrap_api_key == "rk_dev_key"
    assert settings.upstream_timeout_seconds == 2.5
    assert settings.key_cache_seconds == 1.0


def test_a_blank_bootstrap_key_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_BOOTSTRAP_API_KEY", "  ")

    assert GatewaySettings().bootstrap_api_key is None


def test_production_refuses_a_short_bootstrap_key() -> None:
    secret = "s" * 48

    with pytest.raises(ValidationError, match="CRM_BOOTSTRAP_API_KEY must be at least 32"):
        GatewaySettings(
            environment="production",
            internal_secret=secret,
            bootstrap_api_key="short",
            customer_token_secret=CUSTOMER_SECRET,
        )
    accepted = GatewaySettings(
        environment="production",
        internal_secret=secret,
        bootstrap_api_key="k" * 32,
        customer_token_secret=CUSTOMER_SECRET,
    )
    assert accepted.bootstrap_api_key == "k" * 32


def test_the_telephony_webhook_is_off_by_default() -> None:
    settings = GatewaySettings()

    assert settings.telephony_webhook_url is None
    assert settings.telephony_webhook_secret is None
    assert settings.telephony_webhook_events == [
        "routing.call.assigned.v1",
        "routing.callback.connect.v1",
    ]


def test_telephony_webhook_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_GATEWAY_TELEPHONY_WEBHOOK_URL", "https://pbx.example.com/rapport")
    monkeypatch.setenv("CRM_GATEWAY_TELEPHONY_WEBHOOK_SECRET", "s" * 40)
    monkeypatch.setenv("CRM_GATEWAY_TELEPHONY_WEBHOOK_EVENTS", '["routing.call.assigned.v1"]')
    monkeypatch.setenv("CRM_GATEWAY_TELEPHONY_WEBHOOK_MAX_ATTEMPTS", "7")

    settings = GatewaySettings(
        environment="production", internal_secret="i" * 48, customer_token_secret=CUSTOMER_SECRET
    )

    assert settings.telephony_webhook_url == "https://pbx.example.com/rapport"
    assert settings.telephony_webhook_secret == "s" * 40
    assert settings.telephony_webhook_events == ["routing.call.assigned.v1"]
    assert settings.telephony_webhook_max_attempts == 7


def test_a_webhook_url_needs_a_secret_outside_development() -> None:
    with pytest.raises(ValidationError, match="TELEPHONY_WEBHOOK_SECRET must be set"):
        GatewaySettings(
            environment="test",
            telephony_webhook_url="http://pbx:9000/hook",
            customer_token_secret=CUSTOMER_SECRET,
        )
    with pytest.raises(ValidationError, match="TELEPHONY_WEBHOOK_SECRET must be set"):
        GatewaySettings(
            environment="test",
            telephony_webhook_url="http://pbx:9000/hook",
            telephony_webhook_secret="  ",
            customer_token_secret=CUSTOMER_SECRET,
        )


def test_development_signs_with_a_known_secret_that_production_refuses() -> None:
    development = GatewaySettings(telephony_webhook_url="http://127.0.0.1:9000/hook")
    assert development.telephony_webhook_secret == DEVELOPMENT_WEBHOOK_SECRET

    for secret in (DEVELOPMENT_WEBHOOK_SECRET, "short-secret"):
        with pytest.raises(ValidationError, match="TELEPHONY_WEBHOOK_SECRET must be a random"):
            GatewaySettings(
                environment="production",
                internal_secret="i" * 48,
                customer_token_secret=CUSTOMER_SECRET,
                telephony_webhook_url="https://pbx.example.com/hook",
                telephony_webhook_secret=secret,
            )


def test_a_webhook_url_is_http() -> None:
    with pytest.raises(ValidationError, match="must be an http:// or https:// URL"):
        GatewaySettings(telephony_webhook_url="ftp://pbx/hook", telephony_webhook_secret="x" * 40)


def test_customer_tokens_need_a_strong_secret_outside_development() -> None:
    assert GatewaySettings().customer_token_secret == DEVELOPMENT_CUSTOMER_TOKEN_SECRET
    with pytest.raises(ValidationError, match="CUSTOMER_TOKEN_SECRET must be set"):
        GatewaySettings(environment="test")
    for secret in (DEVELOPMENT_CUSTOMER_TOKEN_SECRET, "short-secret"):
        with pytest.raises(ValidationError, match="CUSTOMER_TOKEN_SECRET must be a random"):
            GatewaySettings(
                environment="production", internal_secret="i" * 48, customer_token_secret=secret
            )
    accepted = GatewaySettings(
        environment="production", internal_secret="i" * 48, customer_token_secret=CUSTOMER_SECRET
    )
    assert accepted.customer_token_secret == CUSTOMER_SECRET
