"""A service's OpenAPI document, with the problem+json schema that every error response uses."""

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from crm_common.errors import PROBLEM_MEDIA_TYPE, Problem

PROBLEM_SCHEMA_REF = "#/components/schemas/Problem"

Document = dict[str, Any]
Responses = dict[int | str, dict[str, Any]]


def etag_header(description: str = "The resource's current version") -> dict[str, Any]:
    """The `ETag` response header, for an OpenAPI `responses` entry."""
    return {"ETag": {"description": description, "schema": {"type": "string"}}}


def created_headers(what: str) -> dict[str, Any]:
    """The headers of a 201: the new resource's `ETag` and `Location` (`what` describes it)."""
    return {
        "headers": {
            **etag_header(),
            "Location": {"description": what, "schema": {"type": "string"}},
        }
    }


def problem_responses(descriptions: Mapping[int, str]) -> Callable[..., Responses]:
    """`problems(404, 422)` → `responses=` entries for those problem+json answers, described."""

    def problems(*codes: int) -> Responses:
        return {
            code: {
                "description": descriptions[code],
                "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}},
            }
            for code in codes
        }

    return problems


def document_with_problems(app: FastAPI) -> Document:
    """`app`'s document plus `Problem`, given as the schema of every 4xx/5xx problem+json answer."""
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {}).get(PROBLEM_MEDIA_TYPE)
                if status[0] in "45" and content is not None:
                    content.setdefault("schema", {"$ref": PROBLEM_SCHEMA_REF})
    return document


def install(app: FastAPI) -> None:
    """Make `app.openapi()` return `document_with_problems(app)`, generated once."""

    def openapi() -> Document:
        if app.openapi_schema is None:
            app.openapi_schema = document_with_problems(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
