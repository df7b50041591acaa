"""Customer tokens: issued to the website for a contact the contacts service knows, scoped to
`/v1/me...`, carried to the services as a customer identity."""

import time
import uuid
from collections.abc import Callable

import httpx
import jwt
import pytest

from crm_common.auth import verify_identity
from crm_gateway.customers import tokens

from ..helpers import CUSTOMER_TOKEN_SECRET, INTERNAL_SECRET, bearer
from ..upstream import ERASED_CUSTOMER, UNKNOWN_CUSTOMER

CONTACT = "0192f5e0-7c1a-7d4e-9b3a-5f6e7d8c9b0a"


def issue(client: httpx.Client, headers: dict[str, str], contact_id: str) -> httpx.Response:
    return client.post("/v1/auth/customer-tokens", json={"contact_id": contact_id}, headers=headers)


@pytest.fixture
def website(key_for: Callable[..., dict[str, str]]) -> dict[str, str]:
    return key_for("website")


def test_the_website_obtains_a_token_that_reaches_the_customers_own_data(
    client: httpx.Client, website: dict[str, str]
) -> None:
    response = issue(client, website, CONTACT)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["contact_id"] == CONTACT
    assert body["access_token"].startswith("rc_")
    me = client.get("/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    seen = me.json()
    assert (seen["service"], seen["path"], seen["contact_id"]) == ("echo", "/v1/me", CONTACT)
    assert seen["principal_id"] == f"customer:{CONTACT}"
    assert seen["roles"] == ["customer"]
    identity = dict(seen["headers"])["x-rapport-identity"]
    assert verify_identity(identity, INTERNAL_SECRET).contact_id == CONTACT
    orders = client.get("/v1/me/orders", headers=bearer(body["access_token"]))
    assert (orders.status_code, orders.json()["service"]) == (200, "echo-orders")


@pytest.mark.parametrize(
    "path",
    [
        "/v1/contacts",
        f"/v1/contacts/{CONTACT}",
        "/v1/orders",
        "/v1/tasks",
        "/v1/api-keys",
        "/v1/audit",
        f"/v1/contacts/{CONTACT}/360",
        f"/v1/contacts/{CONTACT}/export",
        "/v1/agents",
    ],
)
def test_a_customer_token_reaches_nothing_but_me(
    client: httpx.Client, website: dict[str, str], path: str
) -> None:
    token = issue(client, website, CONTACT).json()["access_token"]

    response = client.get(path, headers=bearer(token))

    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_api_keys_do_not_reach_me(client: httpx.Client, admin: dict[str, str]) -> None:
    response = client.get("/v1/me", headers=admin)

    assert response.status_code == 403
    assert "customer" in response.json()["detail"]


@pytest.mark.parametrize(
    ("contact_id", "status"), [(UNKNOWN_CUSTOMER, 404), (ERASED_CUSTOMER, 410)]
)
def test_no_token_for_an_unknown_or_erased_contact(
    client: httpx.Client, website: dict[str, str], contact_id: str, status: int
) -> None:
    response = issue(client, website, contact_id)

    assert response.status_code == status
    if status == 410:
        assert response.json()["erased_at"] == "2026-12-01T00:00:00Z"


@pytest.mark.parametrize("role", ["partner", "agent", "erp", "telephony", "publishable"])
def test_only_the_website_and_admins_issue_tokens(
    client: httpx.Client, key_for: Callable[..., dict[str, str]], role: str
) -> None:
    assert issue(client, key_for(role), CONTACT).status_code == 403


@pytest.mark.parametrize("body", [{}, {"contact_id": "nope"}, {"contact_id": CONTACT, "x": 1}])
def test_a_bad_request_is_422(client: httpx.Client, website: dict[str, str], body: object) -> None:
    response = client.post("/v1/auth/customer-tokens", json=body, headers=website)

    assert response.status_code == 422


def test_forged_and_expired_tokens_are_401(client: httpx.Client) -> None:
    forged = tokens.issue(uuid.UUID(CONTACT), "k", "another-secret-" + "x" * 30, 60)
    now = int(time.time())
    expired = tokens.TOKEN_PREFIX + jwt.encode(
        {
            "iss": tokens.ISSUER,
            "aud": tokens.AUDIENCE,
            "sub": CONTACT,
            "iat": now - 120,
            "exp": now - 60,
            "jti": str(uuid.uuid4()),
        },
        CUSTOMER_TOKEN_SECRET,
        algorithm="HS256",
    )
    not_a_contact = tokens.TOKEN_PREFIX + jwt.encode(
        {
            "iss": tokens.ISSUER,
            "aud": tokens.AUDIENCE,
            "sub": "x",
            "exp": now + 60,
            "iat": now,
            "jti": "j",
        },
        CUSTOMER_TOKEN_SECRET,
        algorithm="HS256",
    )

    for token, detail in (
        (forged, "not valid"),
        (expired, "expired"),
        (not_a_contact, "not valid"),
        ("rc_garbage", "not valid"),
    ):
        response = client.get("/v1/me", headers=bearer(token))
        assert response.status_code == 401, token
        assert detail in response.json()["detail"]


def test_the_privacy_purposes_are_public(client: httpx.Client) -> None:
    response = client.get("/v1/privacy/purposes")

    assert response.status_code == 200
    seen = response.json()
    assert seen["roles"] == ["public"]
    assert seen["principal_id"] == "public:127.0.0.1"
    assert client.post("/v1/privacy/purposes").status_code == 401
