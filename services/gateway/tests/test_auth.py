"""Authentication (401) and the route table's least privilege (403) at the gateway."""

from collections.abc import Callable

import httpx
import pytest

ROLES_OF_PATHS = {
    "/v1/contacts": {"admin", "manager", "agent", "partner"},
    "/v1/tasks": {"admin", "manager", "agent"},
    "/v1/api-keys": {"admin"},
}
ALL_ROLES = ("admin", "manager", "agent", "partner", "website", "erp", "telephony")


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer two words",
        "Bearer rk_garbage",
        "Bearer " + "x" * 600,
    ],
)
@pytest.mark.parametrize("path", ["/v1/contacts", "/v1/tasks", "/v1/api-keys"])
def test_missing_or_bad_keys_are_401_problems(
    client: httpx.Client, path: str, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}

    response = client.get(path, headers=headers)

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith('Bearer realm="rapport"')
    body = response.json()
    assert body["status"] == 401
    assert body["instance"] == path


def test_role_matrix(client: httpx.Client, key_for: Callable[..., dict[str, str]]) -> None:
    headers = {role: key_for(role) for role in ALL_ROLES}
    outcome = {
        (path, role): client.get(path, headers=headers[role]).status_code
        for path in ROLES_OF_PATHS
        for role in ALL_ROLES
    }

    expected = {
        (path, role): 200 if role in allowed else 403
        for path, allowed in ROLES_OF_PATHS.items()
        for role in ALL_ROLES
    }
    assert outcome == expected


def test_partner_reaches_contacts_but_not_tasks_or_keys(
    client: httpx.Client, key_for: Callable[..., dict[str, str]]
) -> None:
    partner = key_for("partner")

    contacts = client.get("/v1/contacts/123", headers=partner)
    tasks = client.get("/v1/tasks", headers=partner)
    keys = client.get("/v1/api-keys", headers=partner)

    assert contacts.status_code == 200
    assert contacts.json()["roles"] == ["partner"]
    assert tasks.status_code == 403
    assert tasks.headers["content-type"] == "application/problem+json"
    assert tasks.json()["detail"] == "/v1/tasks needs one of the roles: admin, agent, manager."
    assert keys.status_code == 403


@pytest.mark.parametrize("role", ["erp", "telephony", "website"])
def test_integration_roles_get_403_on_contacts_from_the_gateway(
    client: httpx.Client, key_for: Callable[..., dict[str, str]], role: str
) -> None:
    response = client.post("/v1/contacts", json={"first_name": "Ada"}, headers=key_for(role))

    assert response.status_code == 403
    assert response.json()["detail"] == (
        "/v1/contacts needs one of the roles: admin, agent, manager, partner."
    )


def test_a_key_with_several_roles_reaches_the_union(
    client: httpx.Client, key_for: Callable[..., dict[str, str]]
) -> None:
    headers = key_for("erp", "agent")

    assert client.get("/v1/tasks", headers=headers).status_code == 200
    assert client.get("/v1/tasks", headers=headers).json()["roles"] == ["agent", "erp"]
