"""Revoking customer tokens before they expire: one token (signed out), or every token of a
contact issued until now (signed out everywhere); at once, for every request after."""

import time
from collections.abc import Callable

import httpx
import pytest

from ..helpers import bearer

CONTACT = "0192f5e0-7c1a-7d4e-9b3a-5f6e7d8c9b0a"
OTHER = "0192f5e0-7c1a-7d4e-9b3a-5f6e7d8c9b0b"
REVOKE = "/v1/auth/customer-tokens/revocations"


@pytest.fixture
def website(key_for: Callable[..., dict[str, str]]) -> dict[str, str]:
    return key_for("website")


@pytest.fixture
def token_for(client: httpx.Client, website: dict[str, str]) -> Callable[[str], str]:
    def issue(contact_id: str) -> str:
        response = client.post(
            "/v1/auth/customer-tokens", json={"contact_id": contact_id}, headers=website
        )
        assert response.status_code == 201, response.text
        return str(response.json()["access_token"])

    return issue


def me(client: httpx.Client, token: str) -> httpx.Response:
    return client.get("/v1/me", headers=bearer(token))


def test_a_revoked_token_is_refused_and_the_others_are_not(
    client: httpx.Client, website: dict[str, str], token_for: Callable[[str], str]
) -> None:
    signed_out, other_device, someone_else = (
        token_for(CONTACT),
        token_for(CONTACT),
        token_for(OTHER),
    )

    revoked = client.post(REVOKE, json={"token": signed_out}, headers=website)

    assert (revoked.status_code, revoked.content) == (204, b"")
    refused = me(client, signed_out)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert "revoked" in refused.json()["detail"]
    assert me(client, other_device).status_code == 200
    assert me(client, someone_else).status_code == 200
    # Revoking it again changes nothing.
    assert client.post(REVOKE, json={"token": signed_out}, headers=website).status_code == 204


def test_revoking_a_contact_refuses_every_token_issued_until_then(
    client: httpx.Client,
    admin: dict[str, str],
    token_for: Callable[[str], str],
    count: Callable[..., int],
) -> None:
    first, second, someone_else = token_for(CONTACT), token_for(CONTACT), token_for(OTHER)

    assert client.post(REVOKE, json={"contact_id": CONTACT}, headers=admin).status_code == 204

    assert [me(client, t).status_code for t in (first, second, someone_else)] == [401, 401, 200]
    time.sleep(1.1)  # tokens carry their issue time in whole seconds
    assert me(client, token_for(CONTACT)).status_code == 200
    assert count("customer_token_revocations") == 1


def test_a_token_that_is_no_longer_valid_needs_no_revocation(
    client: httpx.Client, website: dict[str, str], count: Callable[..., int]
) -> None:
    for token in ("rc_garbage", "not-even-a-customer-token"):
        assert client.post(REVOKE, json={"token": token}, headers=website).status_code == 204
    assert count("customer_token_revocations") == 0


@pytest.mark.parametrize(
    "body",
    [{}, {"token": "rc_x", "contact_id": CONTACT}, {"contact_id": "nope"}, {"token": ""},
     {"token": "rc_x", "extra": 1}],
)  # fmt: skip
def test_a_bad_request_is_422(client: httpx.Client, website: dict[str, str], body: object) -> None:
    response = client.post(REVOKE, json=body, headers=website)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("role", ["partner", "agent", "manager", "erp", "telephony", "publishable"])
def test_only_the_website_and_admins_revoke(
    client: httpx.Client, key_for: Callable[..., dict[str, str]], role: str
) -> None:
    response = client.post(REVOKE, json={"contact_id": CONTACT}, headers=key_for(role))

    assert response.status_code == 403


def test_a_customer_cannot_revoke_for_anyone(
    client: httpx.Client, token_for: Callable[[str], str], count: Callable[..., int]
) -> None:
    token = token_for(CONTACT)

    response = client.post(REVOKE, json={"contact_id": OTHER}, headers=bearer(token))

    assert response.status_code == 403
    assert count("customer_token_revocations") == 0
