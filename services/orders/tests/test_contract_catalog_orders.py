"""The OpenAPI document holds for the catalog, configurator, order and ERP routes: schemathesis calls
every operation as admin; no 5xx, no response that breaks its own schema (status codes, content
types, headers and bodies included)."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from crm_common.contract import call_and_validate
from crm_common.testing import LiveServer


@pytest.fixture
def api_schema(
    server: LiveServer, api: Any, client: httpx.Client, admin: dict[str, str]
) -> schemathesis.BaseSchema:
    """The live server's own document, with a few resources so that lists have items to check."""
    product = api.create_product(capacity=1000)
    api.create_product(sku="TOUR-1", options=[], rules=[], variant_group="rome")
    order = api.create_order(product["id"], 2)
    client.post(
        f"/v1/integrations/erp/orders/{order['id']}/status",
        json={
            "status": "shipped",
            "erp_event_id": "e-1",
            "occurred_at": "2026-01-01T10:00:00Z",
            "tracking": {"carrier": "DHL", "number": "1"},
        },
        headers=admin,
    )
    draft = api.create_order(product["id"], 1, draft=True)
    loaded = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    existing = {"product_id": [product["id"]], "order_id": [order["id"], draft["id"]]}

    @loaded.hook
    def flatmap_path_parameters(
        context: Any, path_parameters: dict[str, Any]
    ) -> st.SearchStrategy[dict[str, Any]]:
        """Half the time, aim at a resource that exists instead of a random id."""
        known = [k for k in path_parameters or {} if k in existing]
        if not known:
            return st.just(path_parameters)
        choices = [path_parameters] + [
            {**path_parameters, key: value} for key in known for value in existing[key]
        ]
        return st.sampled_from(choices)

    return loaded


# On the lazy schema: the loader replaces the filters of the schema the fixture returns with its own.
schema = schemathesis.pytest.from_fixture("api_schema").include(
    path_regex="^/v1/(products|configurations|orders|integrations/erp)"
)


@pytest.mark.contract
@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_catalog_and_orders_conform_to_their_openapi(
    case: schemathesis.Case, as_role: Callable[..., dict[str, str]]
) -> None:
    call_and_validate(case, headers=as_role("admin"))
