"""The OpenAPI document holds for the customer routes and the export: schemathesis calls every
operation under `/v1/me` and `/v1/privacy` with a customer token; no 5xx, no answer that breaks its
own schema (status codes, content types, headers and bodies)."""

import uuid
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from crm_common.contract import call_and_validate
from crm_common.testing import LiveServer, customer_headers
from crm_orders.config import OrdersSettings

CUSTOMER = str(uuid.UUID("0190f0c4-1a2b-7c3d-8e4f-0011223344ee"))


@pytest.fixture
def api_schema(server: LiveServer, api: Any, client: httpx.Client) -> schemathesis.BaseSchema:
    """The live server's own document, with the customer's orders to aim at."""
    product = api.create_product(capacity=1000)
    order = api.create_order(product["id"], 2, contact_id=CUSTOMER)
    draft = api.create_order(product["id"], 1, contact_id=CUSTOMER, draft=True)
    loaded = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    existing = {"order_id": [order["id"], draft["id"]], "contact_id": [CUSTOMER]}

    @loaded.hook
    def flatmap_path_parameters(
        context: Any, path_parameters: dict[str, Any]
    ) -> st.SearchStrategy[dict[str, Any]]:
        """Half the time, aim at the customer's own resources instead of a random id."""
        known = [k for k in path_parameters or {} if k in existing]
        if not known:
            return st.just(path_parameters)
        choices = [path_parameters] + [
            {**path_parameters, key: value} for key in known for value in existing[key]
        ]
        return st.sampled_from(choices)

    return loaded


schema = schemathesis.pytest.from_fixture("api_schema").include(path_regex="^/v1/(me|privacy)/")


@pytest.mark.contract
@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_customer_routes_conform_to_their_openapi(
    case: schemathesis.Case, service_settings: OrdersSettings
) -> None:
    call_and_validate(case, headers=customer_headers(service_settings.internal_secret, CUSTOMER))
