"""The consent purposes as customers are told about them."""

from collections.abc import Callable

import httpx
import pytest

from crm_contacts.consents.schemas import Purpose
from crm_contacts.privacy.purposes import PURPOSES


def test_every_purpose_is_explained_in_the_registry() -> None:
    assert list(PURPOSES) == list(Purpose)
    for text in PURPOSES.values():
        assert text.title and text.data_used
        assert len(text.description) >= 100
        assert "withdraw" in text.description


@pytest.mark.parametrize("roles", [("public",), ("website",), ("customer",), ("admin",)])
def test_any_verified_caller_reads_the_purposes(
    client: httpx.Client, as_role: Callable[..., dict[str, str]], roles: tuple[str, ...]
) -> None:
    response = client.get("/v1/privacy/purposes", headers=as_role(*roles))

    assert response.status_code == 200
    purposes = response.json()["purposes"]
    assert [(p["purpose"], p["title"]) for p in purposes] == [
        ("email_marketing", "News and offers by email"),
        ("sms", "Offers by text message"),
        ("phone", "Calls from our team"),
        ("profiling", "Recommendations chosen for you"),
    ]
    assert purposes[1] == {
        "purpose": "sms",
        "title": "Offers by text message",
        "description": PURPOSES[Purpose.sms].description,
        "data_used": ["name", "phone numbers"],
    }


def test_without_identity_is_401(client: httpx.Client) -> None:
    assert client.get("/v1/privacy/purposes").status_code == 401
