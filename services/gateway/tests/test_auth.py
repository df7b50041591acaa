"""Authentication (401) and the route table's least privilege (403) at the gateway."""

from collections.abc import Callable

import httpx
import pytest

ROLES_OF_PATHS = {
    "/v1/contacts": {"admin", "manager", "agent", "partner"},
    "/v1/tasks": {"admin", "manager", "agent"},
    "/v1/api-keys": {"admin"},
}
ALL_ROLES = ("admin", "manager", "agent", "partner", "website", "erp", "telephony", "publishable")
STAFF = {"admin", "manager", "agent"}
CATALOG_ADMINS = {"admin", "manager"}

# The orders service's prefixes, per method (DESIGN.md §5): the ERP reaches its integration and
# reads orders and products; the website reads the catalog, validates configurations and places
# orders; partners work deals and orders and read the catalog; catalog, pipeline and rule writes
# are for admins and managers.
ORDERS_MATRIX = {
    ("GET", "/v1/products"): STAFF | {"partner", "website", "erp"},
    ("GET", "/v1/products/p-1"): STAFF | {"partner", "website", "erp"},
    ("POST", "/v1/products"): CATALOG_ADMINS,
    ("PATCH", "/v1/products/p-1"): CATALOG_ADMINS,
    ("POST", "/v1/configurations/validate"): STAFF | {"partner", "website"},
    ("GET", "/v1/pipelines"): STAFF | {"partner"},
    ("POST", "/v1/pipelines"): CATALOG_ADMINS,
    ("GET", "/v1/pipeline-rules"): STAFF,
    ("POST", "/v1/pipeline-rules"): CATALOG_ADMINS,
    ("DELETE", "/v1/pipeline-rules/r-1"): CATALOG_ADMINS,
    ("GET", "/v1/opportunities"): STAFF | {"partner"},
    ("POST", "/v1/opportunities/o-1/stage"): STAFF | {"partner"},
    ("POST", "/v1/quotes"): STAFF | {"partner"},
    ("POST", "/v1/quotes/q-1/accept"): STAFF | {"partner"},
    ("GET", "/v1/orders"): STAFF | {"partner", "erp"},
    ("GET", "/v1/orders/o-1"): STAFF | {"partner", "erp"},
    ("POST", "/v1/orders"): STAFF | {"partner", "website"},
    ("POST", "/v1/orders/o-1/place"): STAFF | {"partner"},
    ("PATCH", "/v1/orders/o-1"): STAFF | {"partner"},
    ("POST", "/v1/integrations/erp/orders/o-1/status"): {"admin", "erp"},
}

# The routing service's prefixes: staff work with agents and calls; the telephony platform reaches
# only its integration.
ROUTING_MATRIX = {
    ("GET", "/v1/agents"): STAFF,
    ("POST", "/v1/agents"): STAFF,
    ("PUT", "/v1/agents/a-1/presence"): STAFF,
    ("GET", "/v1/calls/c-1"): STAFF,
    ("POST", "/v1/integrations/telephony/calls"): {"admin", "telephony"},
    ("POST", "/v1/web/events"): STAFF | {"website"},
    ("POST", "/v1/integrations/web/events"): {"admin", "website", "publishable"},
    ("GET", "/v1/engagement-rules"): STAFF,
    ("POST", "/v1/engagement-rules"): CATALOG_ADMINS,
    ("GET", "/v1/monitor"): {"admin", "manager"},
    ("GET", "/v1/monitor/stream"): {"admin", "manager"},
    ("GET", "/v1/stats/calls"): {"admin", "manager"},
}


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


@pytest.mark.parametrize("matrix", [ORDERS_MATRIX, ROUTING_MATRIX], ids=["orders", "routing"])
def test_method_role_matrix(
    client: httpx.Client,
    key_for: Callable[..., dict[str, str]],
    matrix: dict[tuple[str, str], set[str]],
) -> None:
    headers = {role: key_for(role) for role in ALL_ROLES}
    outcome = {
        (method, path, role): client.request(
            method, path, json={} if method != "GET" else None, headers=headers[role]
        ).status_code
        for method, path in matrix
        for role in ALL_ROLES
    }

    expected = {
        (method, path, role): 200 if role in allowed else 403
        for (method, path), allowed in matrix.items()
        for role in ALL_ROLES
    }
    assert outcome == expected


def test_orders_prefixes_reach_the_orders_service(
    client: httpx.Client, key_for: Callable[..., dict[str, str]]
) -> None:
    erp = key_for("erp")

    response = client.post(
        "/v1/integrations/erp/orders/o-1/status?x=1", json={"status": "confirmed"}, headers=erp
    )

    assert response.status_code == 200
    echo = response.json()
    assert (echo["service"], echo["method"], echo["path"], echo["query"], echo["roles"]) == (
        "echo-orders",
        "POST",
        "/v1/integrations/erp/orders/o-1/status",
        "x=1",
        ["erp"],
    )
    assert echo["body"] == '{"status":"confirmed"}'


def test_telephony_reaches_the_routing_service_and_nothing_else(
    client: httpx.Client, key_for: Callable[..., dict[str, str]]
) -> None:
    telephony = key_for("telephony")

    response = client.post(
        "/v1/integrations/telephony/calls", json={"call_id": "c-1"}, headers=telephony
    )
    agents = client.get("/v1/agents", headers=telephony)

    assert response.status_code == 200
    echo = response.json()
    assert (echo["service"], echo["path"], echo["roles"]) == (
        "echo-routing",
        "/v1/integrations/telephony/calls",
        ["telephony"],
    )
    assert agents.status_code == 403


def test_a_method_level_refusal_names_the_method(
    client: httpx.Client, key_for: Callable[..., dict[str, str]]
) -> None:
    website = key_for("website")

    cancel = client.post("/v1/orders/o-1/cancel", json={}, headers=website)
    product = client.post("/v1/products", json={}, headers=website)

    assert cancel.status_code == 403
    assert cancel.headers["content-type"] == "application/problem+json"
    assert cancel.json()["detail"] == (
        "POST /v1/orders/o-1/cancel needs one of the roles: admin, agent, manager, partner."
    )
    assert product.json()["detail"] == "POST /v1/products needs one of the roles: admin, manager."


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
