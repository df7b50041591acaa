"""Merging documents (pure: no I/O)."""

from typing import Any

from crm_gateway.openapi.merge import merge_documents
from crm_gateway.proxy.routes import Route

ROUTES = (
    Route("/v1/contacts", "contacts", frozenset({"agent"})),
    Route("/v1/orders", "orders", frozenset({"agent"})),
    Route("/v1/api-keys", "gateway", frozenset({"admin"})),
)
INTERNAL = {"type": "apiKey", "in": "header", "name": "X-Rapport-Identity"}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def operation(schema: str, secured: bool = True) -> dict[str, Any]:
    op: dict[str, Any] = {
        "responses": {"200": {"content": {"application/json": {"schema": ref(schema)}}}}
    }
    if secured:
        op["security"] = [{"InternalIdentity": []}]
    return op


OWN: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Rapport API", "version": "1.0.0"},
    "paths": {"/v1/api-keys": {"get": operation("Page")}},
    "components": {
        "schemas": {"Page": {"type": "object", "properties": {"items": {"type": "array"}}}},
        "securitySchemes": {"BearerAuth": {"type": "http", "scheme": "bearer"}},
    },
    "tags": [{"name": "api-keys"}],
}


def service(paths: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "svc", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {"InternalIdentity": INTERNAL}},
        "tags": [{"name": "contacts"}, {"name": "api-keys"}],
    }


def test_paths_are_filtered_to_what_the_route_table_sends_there() -> None:
    contacts = service(
        {
            "/v1/contacts": {"get": operation("Contact")},
            "/v1/orders": {"get": operation("Contact")},
            "/v1/internal": {"get": operation("Contact")},
        },
        {"Contact": {"type": "object"}},
    )

    merged = merge_documents(OWN, {"contacts": contacts, "orders": None}, ROUTES)

    assert sorted(merged["paths"]) == ["/v1/api-keys", "/v1/contacts"]
    assert merged["x-rapport-missing"] == ["orders"]
    assert merged["servers"] == [{"url": "/"}]
    assert [tag["name"] for tag in merged["tags"]] == ["api-keys", "contacts"]


def test_internal_identity_gives_way_to_the_bearer_scheme() -> None:
    contacts = service(
        {"/v1/contacts": {"get": operation("Contact"), "post": operation("Contact", False)}},
        {"Contact": {"type": "object"}},
    )

    merged = merge_documents(OWN, {"contacts": contacts}, ROUTES)

    assert merged["components"]["securitySchemes"] == {
        "BearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key, sent as `Authorization: Bearer rk_...`.",
        }
    }
    assert merged["security"] == [{"BearerAuth": []}]
    assert "security" not in merged["paths"]["/v1/contacts"]["get"]
    assert "security" not in merged["paths"]["/v1/contacts"]["post"]


def test_identical_components_are_shared_and_clashing_ones_renamed_with_their_refs() -> None:
    contacts = service(
        {"/v1/contacts": {"get": operation("Page")}},
        {
            "Page": {
                "type": "object",
                "properties": {"items": {"$ref": "#/components/schemas/Item"}},
            },
            "Item": {"type": "string"},
        },
    )
    orders = service(
        {"/v1/orders": {"get": operation("Page")}},
        {
            "Page": {
                "type": "object",
                "properties": {"items": {"$ref": "#/components/schemas/Item"}},
            },
            "Item": {"type": "string"},
        },
    )

    merged = merge_documents(OWN, {"contacts": contacts, "orders": orders}, ROUTES)

    schemas = merged["components"]["schemas"]
    assert schemas["Page"] == OWN["components"]["schemas"]["Page"]
    assert schemas["ContactsPage"] == contacts["components"]["schemas"]["Page"]
    assert schemas["OrdersPage"] == orders["components"]["schemas"]["Page"]
    assert schemas["Item"] == {"type": "string"}
    assert "ContactsItem" not in schemas
    assert "OrdersItem" not in schemas
    contacts_get = merged["paths"]["/v1/contacts"]["get"]["responses"]["200"]
    orders_get = merged["paths"]["/v1/orders"]["get"]["responses"]["200"]
    assert contacts_get["content"]["application/json"]["schema"] == ref("ContactsPage")
    assert orders_get["content"]["application/json"]["schema"] == ref("OrdersPage")
    assert OWN["paths"]["/v1/api-keys"]["get"]["security"] == [{"InternalIdentity": []}]


def test_a_clash_that_only_a_rename_causes_is_renamed_too() -> None:
    own = {
        **OWN,
        "components": {
            "schemas": {
                "Item": {"type": "integer"},
                "Wrapper": {"type": "object", "properties": {"x": ref("Item")}},
            }
        },
    }
    contacts = service(
        {"/v1/contacts": {"get": operation("Wrapper")}},
        {
            "Item": {"type": "string"},
            "Wrapper": {"type": "object", "properties": {"x": ref("Item")}},
        },
    )

    merged = merge_documents(own, {"contacts": contacts}, ROUTES)

    schemas = merged["components"]["schemas"]
    assert schemas["ContactsItem"] == {"type": "string"}
    assert schemas["ContactsWrapper"] == {
        "type": "object",
        "properties": {"x": ref("ContactsItem")},
    }
    assert schemas["Wrapper"] == {"type": "object", "properties": {"x": ref("Item")}}
