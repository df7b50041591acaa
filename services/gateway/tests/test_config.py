"""The gateway's settings and the environment variables they come from."""

import pytest
from pydantic import ValidationError

from crm_gateway.config import GatewaySettings


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
        GatewaySettings(environment="production", internal_secret=secret, bootstrap_api_key="short")
    accepted = GatewaySettings(
        environment="production", internal_secret=secret, bootstrap_api_key="k" * 32
    )
    assert accepted.bootstrap_api_key == "k" * 32
