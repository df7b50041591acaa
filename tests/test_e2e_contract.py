"""schemathesis over the gateway's merged OpenAPI document, against the whole running system with
real tokens: an admin key for every operation, a customer token for `/v1/me...`. No 5xx, no answer
that breaks the document (status, content type, headers, body)."""

import uuid
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from crm_common.contract import call_and_validate
from crm_common.testing import backends

from .conftest import System

# Streams stay open until they time out; everything else is called.
STREAMS = r"/(stream|feed)$"


@pytest.fixture(scope="module", autouse=True)
def _one_backend(backend: str) -> None:
    """Once per run, on the production database when it is there: every service's own contract
    test already runs on both."""
    if backend != backends()[-1]:
        pytest.skip(f"the merged document is exercised on {backends()[-1]}")


@pytest.fixture(scope="module")
def customer(system: System) -> str:
    with system.client(system.admin_key) as admin:
        created = admin.post(
            "/v1/contacts",
            json={
                "kind": "person",
                "first_name": "Schema",
                "emails": [{"address": "s@example.com"}],
            },
        )
        assert created.status_code == 201, created.text
    return system.customer_token(created.json()["id"])


@pytest.fixture(scope="module")
def merged(system: System) -> dict[str, Any]:
    with system.client(system.admin_key) as admin:
        document: dict[str, Any] = admin.get("/openapi.json").json()
    assert document["x-rapport-missing"] == []
    return document


@pytest.fixture
def staff_schema(merged: dict[str, Any]) -> schemathesis.BaseSchema:
    return (
        schemathesis.openapi.from_dict(merged)
        .exclude(path_regex=STREAMS)
        .exclude(path_regex=r"^/v1/me(/|$)")
    )


@pytest.fixture
def customer_schema(merged: dict[str, Any]) -> schemathesis.BaseSchema:
    return (
        schemathesis.openapi.from_dict(merged)
        .include(path_regex=r"^/v1/me(/|$)")
        .exclude(path_regex=r"/erasure$")  # the customer's own erasure is tested end to end
    )


staff = schemathesis.pytest.from_fixture("staff_schema")
customers = schemathesis.pytest.from_fixture("customer_schema")
EXAMPLES = settings(
    max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)


@pytest.mark.contract
@staff.parametrize()
@EXAMPLES
def test_the_merged_document_holds_for_an_admin(case: schemathesis.Case, system: System) -> None:
    call_and_validate(
        case,
        base_url=system.gateway.url,
        headers={"Authorization": f"Bearer {system.admin_key}", "X-Request-ID": str(uuid.uuid4())},
    )


@pytest.mark.contract
@customers.parametrize()
@EXAMPLES
def test_the_merged_document_holds_for_a_customer(
    case: schemathesis.Case, system: System, customer: str
) -> None:
    call_and_validate(
        case, base_url=system.gateway.url, headers={"Authorization": f"Bearer {customer}"}
    )
