"""Who may call what: 401 without the gateway's identity, 403 outside the allowed roles."""

from collections.abc import Callable

import httpx
import pytest

PROBLEM = "https://rapport.dev/problems/"
SOME_ID = "01900000-0000-7000-8000-000000000000"

CONTACT_ROUTES = [
    ("POST", "/v1/contacts"),
    ("GET", "/v1/contacts"),
    ("GET", "/v1/contacts/lookup?phone=%2B14155550123"),
    ("GET", f"/v1/contacts/{SOME_ID}"),
    ("PATCH", f"/v1/contacts/{SOME_ID}"),
    ("POST", f"/v1/contacts/{SOME_ID}/interactions"),
    ("GET", f"/v1/contacts/{SOME_ID}/interactions"),
    ("PUT", f"/v1/contacts/{SOME_ID}/consents/sms"),
    ("GET", f"/v1/contacts/{SOME_ID}/consents"),
]
STAFF_ROUTES = [
    ("POST", "/v1/tasks"),
    ("GET", "/v1/tasks"),
    ("GET", f"/v1/tasks/{SOME_ID}"),
    ("PATCH", f"/v1/tasks/{SOME_ID}"),
    ("GET", f"/v1/contacts/{SOME_ID}/duplicates"),
    ("POST", f"/v1/contacts/{SOME_ID}/merge"),
]
ALL_ROUTES = CONTACT_ROUTES + STAFF_ROUTES


def call(client: httpx.Client, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    body = None if method == "GET" else {}
    return client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path"), ALL_ROUTES)
def test_without_identity_is_401(client: httpx.Client, method: str, path: str) -> None:
    for headers in ({}, {"X-Rapport-Identity": "forged"}):
        response = call(client, method, path, headers)
        assert response.status_code == 401
        assert response.json()["type"] == PROBLEM + "unauthorized"


def test_identity_signed_with_another_secret_is_401(client: httpx.Client) -> None:
    from crm_common.testing import identity_headers

    forged = identity_headers("another-secret-of-at-least-32-characters!", "admin")
    assert client.get("/v1/contacts", headers=forged).status_code == 401


@pytest.mark.parametrize("role", ["website", "erp", "telephony"])
def test_other_roles_are_403_everywhere(
    client: httpx.Client,
    as_role: Callable[..., dict[str, str]],
    role: str,
    count: Callable[[str], int],
) -> None:
    for method, path in ALL_ROUTES:
        response = call(client, method, path, as_role(role))
        assert response.status_code == 403, (method, path)
        assert response.json()["type"] == PROBLEM + "forbidden"
    assert count("outbox") == 0


def test_partner_is_403_on_staff_routes(
    client: httpx.Client, as_role: Callable[..., dict[str, str]]
) -> None:
    for method, path in STAFF_ROUTES:
        assert call(client, method, path, as_role("partner")).status_code == 403, (method, path)


@pytest.mark.parametrize("role", ["admin", "manager", "agent", "partner"])
def test_contact_roles_pass_the_role_check(
    client: httpx.Client, as_role: Callable[..., dict[str, str]], role: str
) -> None:
    for method, path in CONTACT_ROUTES:
        assert call(client, method, path, as_role(role)).status_code not in (401, 403), (
            method,
            path,
        )


@pytest.mark.parametrize("role", ["admin", "manager", "agent"])
def test_staff_roles_pass_the_role_check(
    client: httpx.Client, as_role: Callable[..., dict[str, str]], role: str
) -> None:
    for method, path in STAFF_ROUTES:
        assert call(client, method, path, as_role(role)).status_code not in (401, 403), (
            method,
            path,
        )
