"""The OpenAPI document holds: schemathesis calls every operation as admin; no 5xx, no response
that breaks its own schema (status codes, content types, headers and bodies included)."""

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from crm_common.contract import call_and_validate
from crm_common.testing import LiveServer


@pytest.fixture
def api_schema(server: LiveServer, api: Any) -> schemathesis.BaseSchema:
    """The live server's own document, with a few resources so that lists have items to check."""
    organization = api.create_contact(kind="organization", organization_name="Acme")
    contact = api.create_contact(
        organization_id=organization["id"],
        emails=[{"address": "ada@example.com"}],
        phones=[{"number": "+14155550123"}],
        tags=["vip"],
        rating=4,
    )
    api.log_interaction(contact["id"], metadata={"call_id": "c-1"})
    task = api.create_task(contact_id=contact["id"], due_at="2030-01-01T09:00:00Z")
    api.create_task(title="Undated")
    loaded = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    existing = {"contact_id": contact["id"], "task_id": task["id"]}

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
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_openapi(
    case: schemathesis.Case, as_role: Callable[..., dict[str, str]]
) -> None:
    call_and_validate(case, headers=as_role("admin"))
