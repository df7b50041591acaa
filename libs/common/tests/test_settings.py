import pytest
from pydantic import ValidationError

from crm_common.settings import DEVELOPMENT_INTERNAL_SECRET, ServiceSettings


def test_development_runs_on_the_embedded_secret() -> None:
    assert ServiceSettings(environment="development").internal_secret == DEVELOPMENT_INTERNAL_SECRET


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValidationError, match="CRM_INTERNAL_SECRET"):
        ServiceSettings(environment="production")


def test_production_refuses_a_short_secret() -> None:
    with pytest.raises(ValidationError, match="at least 32"):
        ServiceSettings(environment="production", internal_secret="short")


def test_production_accepts_a_long_random_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_ENVIRONMENT", "production")
    monkeypatch.setenv("CRM_INTERNAL_SECRET", "z" * 48)
    settings = ServiceSettings()
    assert (settings.environment, settings.internal_secret) == ("production", "z" * 48)
