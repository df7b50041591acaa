"""What the sales routers (pipelines, opportunities, stage rules, quotes) share: who may call them,
Idempotency-Key, problem responses in OpenAPI, JSON answers, and bounded, storable input types.

Every string that reaches the database is bounded and free of NUL characters and lone surrogates
(PostgreSQL and UTF-8 cannot store them), so such input is a 422 and never a 500.
"""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Response
from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from crm_common.auth import Principal, require_roles
from crm_common.http import Idempotency, idempotency_dependency
from crm_common.money import Money
from crm_common.openapi import problem_responses
from crm_orders.db import IdempotencyRecord

SOURCE = "orders"

# DESIGN §5: partners read and write deals; configuring pipelines and rules is for admins and
# managers; staff may read the rules (so may partners the pipelines, whose stages deals move through).
DEAL_ROLES = ("admin", "manager", "agent", "partner")
CONFIG_ROLES = ("admin", "manager")
STAFF_ROLES = ("admin", "manager", "agent")

DealCaller = Annotated[Principal, Depends(require_roles(*DEAL_ROLES))]
ConfigCaller = Annotated[Principal, Depends(require_roles(*CONFIG_ROLES))]
StaffCaller = Annotated[Principal, Depends(require_roles(*STAFF_ROLES))]
SalesIdempotency = Annotated[Idempotency, Depends(idempotency_dependency(IdempotencyRecord))]

_PROBLEM_DESCRIPTIONS = {
    400: "Malformed JSON",
    404: "Not found",
    409: "Conflict",
    412: "The If-Match ETag is stale",
    422: "Validation failed",
}
problems = problem_responses(_PROBLEM_DESCRIPTIONS)


def etag_header(description: str = "The resource's current version") -> dict[str, Any]:
    return {"ETag": {"description": description, "schema": {"type": "string"}}}


def created_headers(what: str) -> dict[str, Any]:
    return {
        "headers": {
            **etag_header(),
            "Location": {"description": what, "schema": {"type": "string"}},
        }
    }


def json_response(
    model: BaseModel, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """`model` serialised as its own class."""
    return Response(
        model.model_dump_json(),
        status_code=status_code,
        headers=headers,
        media_type="application/json",
    )


def clean_text(value: str) -> str:
    """`value` unchanged when a database can store it; ValueError otherwise."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text") from exc
    return value


def _text(max_length: int) -> Any:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


def _check_date(value: date) -> date:
    if not 1900 <= value.year <= 2999:
        raise ValueError("date must fall between the years 1900 and 2999")
    return value


Name = Annotated[str, _text(200), AfterValidator(clean_text)]
StageName = Annotated[str, _text(50), AfterValidator(clean_text)]
Identifier = Annotated[str, _text(200), AfterValidator(clean_text)]
Reason = Annotated[str, _text(500), AfterValidator(clean_text)]
Day = Annotated[date, AfterValidator(_check_date)]
Amount = Annotated[Money, Field(ge=Decimal(0), max_digits=18, decimal_places=4)]


def money_text(value: Decimal) -> str:
    """An amount as stored (exact decimal text; compared in Python, never in SQL)."""
    return format(value, "f")
