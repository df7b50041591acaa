"""The gateway's own OpenAPI document holds: schemathesis calls every /v1/api-keys operation as the
bootstrap admin; no 5xx, no response that breaks the document (status, content type, headers, body)."""

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from crm_common.contract import call_and_validate

from .helpers import BOOTSTRAP_KEY, Running, bearer, create_key


@pytest.fixture
def api_schema(gateway: Running, client: httpx.Client) -> schemathesis.BaseSchema:
    """The document `make openapi` publishes, with a throwaway key for the id parameters to hit."""
    throwaway = create_key(client, "partner", name="throwaway")
    loaded = schemathesis.openapi.from_dict(gateway.app.openapi())

    @loaded.hook
    def flatmap_path_parameters(
        context: Any, path_parameters: dict[str, Any]
    ) -> st.SearchStrategy[dict[str, Any]]:
        """Half the time, aim at a key that exists (never the admin key in use)."""
        if not path_parameters or "key_id" not in path_parameters:
            return st.just(path_parameters)
        return st.sampled_from([path_parameters, {**path_parameters, "key_id": throwaway["id"]}])

    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.contract
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_own_api_conforms_to_its_openapi(case: schemathesis.Case, gateway: Running) -> None:
    call_and_validate(case, base_url=gateway.url, headers=bearer(BOOTSTRAP_KEY))
