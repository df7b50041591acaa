"""What a service's contract test checks on every answer schemathesis provokes (test-only: needs the
workspace's dev dependencies)."""

from typing import Any

import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CONTRACT_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# What uvicorn answers, before any application code runs, to bytes that are not valid HTTP (a
# generated header such as `content-length: oX`): the server's refusal, not an answer of the API.
_NOT_HTTP = b"Invalid HTTP request received."


def call_and_validate(case: "schemathesis.Case[Any]", **call: Any) -> None:
    """Call `case` and apply CONTRACT_CHECKS to the answer, unless the HTTP server refused the
    request as malformed HTTP before it reached the application."""
    response = case.call(**call)
    if response.status_code == 400 and response.content.strip() == _NOT_HTTP:
        return
    case.validate_response(response, checks=CONTRACT_CHECKS, headers=call.get("headers"))
