"""/openapi.json: the gateway's operations plus the services', as callers reach them."""

from collections.abc import Callable

import httpx
import pytest

from ..helpers import Running
from ..upstream import ORDERS_PREFIXES, ROUTING_PREFIXES

CONTACTS_PATHS = [
    "/v1/contacts",
    "/v1/contacts/clash",
    "/v1/contacts/slow",
    "/v1/contacts/status/{code}",
    "/v1/contacts/{rest}",
    "/v1/tasks",
    "/v1/me",
    "/v1/me/{rest}",
    "/v1/privacy/purposes",
]
ORDERS_PATHS = [path for prefix in ORDERS_PREFIXES for path in (prefix, prefix + "/{rest}")]
ROUTING_PATHS = [path for prefix in ROUTING_PREFIXES for path in (prefix, prefix + "/{rest}")]
KEYS_PATHS = ["/v1/api-keys", "/v1/api-keys/{key_id}"]
# The gateway's own composed documents, customer tokens and audit log.
OWN_PATHS = [
    "/v1/audit",
    "/v1/auth/customer-tokens",
    "/v1/auth/customer-tokens/revocations",
    "/v1/contacts/{contact_id}/360",
    "/v1/contacts/{contact_id}/export",
    "/v1/me/export",
    "/v1/webhooks",
    "/v1/webhooks/{webhook_id}",
    "/v1/webhooks/{webhook_id}/deliveries",
    "/v1/webhooks/{webhook_id}/replay",
    "/v1/webhooks/{webhook_id}/rotate-secret",
    "/v1/webhooks/{webhook_id}/test",
]


def test_merged_document_has_both_and_only_reachable_paths(client: httpx.Client) -> None:
    response = client.get("/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert sorted(document["paths"]) == sorted(
        KEYS_PATHS + OWN_PATHS + CONTACTS_PATHS + ORDERS_PATHS + ROUTING_PATHS
    )
    assert sorted(document["paths"]["/v1/orders"]) == ["delete", "get", "patch", "post", "put"]
    assert document["servers"] == [{"url": "/"}]
    assert document["x-rapport-missing"] == []


def test_bearer_replaces_the_internal_identity(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()

    assert document["components"]["securitySchemes"] == {
        "BearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key, sent as `Authorization: Bearer rk_...`.",
        }
    }
    assert document["security"] == [{"BearerAuth": []}]
    assert "InternalIdentity" not in client.get("/openapi.json").text
    assert "security" not in document["paths"]["/v1/contacts"]["get"]
    assert document["paths"]["/v1/api-keys"]["get"]["security"] == [{"BearerAuth": []}]


def test_clashing_schema_names_are_kept_apart(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]

    assert "key" in schemas["ApiKeyCreated"]["properties"]
    assert schemas["ContactsApiKeyRead"]["properties"] == {
        "serial": {"type": "integer", "title": "Serial"}
    }
    clash = document["paths"]["/v1/contacts/clash"]["get"]["responses"]["200"]
    assert clash["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ContactsApiKeyRead"
    }
    assert "id" in schemas["ApiKeyRead"]["properties"]
    assert schemas["Echo"]["title"] == "Echo"


@pytest.mark.parametrize(
    ("service", "left"),
    [
        ("contacts", ORDERS_PATHS + ROUTING_PATHS),
        ("orders", CONTACTS_PATHS + ROUTING_PATHS),
        ("routing", CONTACTS_PATHS + ORDERS_PATHS),
    ],
)
def test_a_service_that_is_down_is_listed_missing(
    client: httpx.Client,
    start_gateway: Callable[..., Running],
    dead_url: str,
    service: str,
    left: list[str],
) -> None:
    down = start_gateway(**{f"{service}_url": dead_url})

    response = httpx.get(f"{down.url}/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["x-rapport-missing"] == [service]
    assert sorted(document["paths"]) == sorted(KEYS_PATHS + OWN_PATHS + left)


def test_docs_point_at_the_merged_document(client: httpx.Client) -> None:
    response = client.get("/docs")

    assert response.status_code == 200
    assert "url: '/openapi.json'" in response.text


def test_the_proxy_routes_stay_out_of_the_own_document(gateway: Running) -> None:
    own = gateway.app.openapi()

    assert sorted(own["paths"]) == sorted(KEYS_PATHS + OWN_PATHS)
    assert "x-rapport-missing" not in own
