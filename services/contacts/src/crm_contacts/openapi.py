"""The service's OpenAPI document, with the problem+json schema every error response uses."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from crm_common.errors import PROBLEM_MEDIA_TYPE, Problem
from crm_contacts.deps import PROBLEM_SCHEMA_REF


def install(app: FastAPI) -> None:
    """Generate the document once, adding `Problem` and giving every problem response its schema."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem.pop("$defs", {}))
        schemas["Problem"] = problem
        for path in document.get("paths", {}).values():
            for operation in path.values():
                for status, response in operation.get("responses", {}).items():
                    problem_content = response.get("content", {}).get(PROBLEM_MEDIA_TYPE)
                    if status[0] in "45" and problem_content is not None:
                        problem_content.setdefault("schema", {"$ref": PROBLEM_SCHEMA_REF})
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
