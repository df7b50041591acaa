"""The OpenAPI document holds: schemathesis calls every operation as admin; no 5xx, no response
that breaks its own schema (status codes, content types, headers and bodies included)."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from crm_common.contract import call_and_validate
from crm_common.testing import LiveServer, live_server
from crm_routing.config import RoutingSettings
from crm_routing.main import create_app


@pytest.fixture(scope="module")
def contract_server(service_settings: RoutingSettings) -> Iterator[LiveServer]:
    """The service on the tests' database, its streams ending after a moment (a client would
    reconnect), so that each streamed answer is read whole; no background workers of its own."""
    settings = service_settings.model_copy(
        update={
            "sse_max_seconds": 0.3,
            "relay_enabled": False,
            "consumers_enabled": False,
            "dispatch_enabled": False,
        }
    )
    with live_server(create_app(settings)) as running:
        yield running


@pytest.fixture
def api_schema(contract_server: LiveServer, api: Any) -> schemathesis.BaseSchema:
    """The service's own document, with an agent and calls so that reads find something."""
    agent = api.create_agent(ready=True)
    api.call("c-1", "ringing", **{"from": "+14155550199", "category": "ski"})
    api.call("c-2", "ringing")
    loaded = schemathesis.openapi.from_url(f"{contract_server.url}/openapi.json")
    existing = {"agent_id": agent["id"], "call_id": "c-1"}

    @loaded.hook
    def flatmap_path_parameters(
        context: Any, path_parameters: dict[str, Any]
    ) -> st.SearchStrategy[dict[str, Any]]:
        """Half the time, aim at a resource that exists instead of a random id."""
        known = {k: existing[k] for k in path_parameters or {} if k in existing}
        if not known:
            return st.just(path_parameters)
        return st.sampled_from([path_parameters, {**path_parameters, **known}])

    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.contract
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_openapi(
    case: schemathesis.Case, as_role: Callable[..., dict[str, str]]
) -> None:
    call_and_validate(case, headers=as_role("admin"))
