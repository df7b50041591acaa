"""Typed errors and their one rendering as RFC 9457 problem+json."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://rapport.dev/problems/"


class FieldError(BaseModel):
    """One validation failure, located by a JSON-pointer-like path."""

    field: str = Field(description="Path of the offending field, e.g. body.emails.0.address")
    message: str
    code: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None
    model_config = {"extra": "allow"}


class DomainError(Exception):
    """Base of every error a service raises on purpose; carries its HTTP status."""

    status: int = 400
    code: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra

    def headers(self) -> dict[str, str]:
        return {}


class BadRequest(DomainError):
    status, code, title = 400, "bad-request", "Bad request"


class Unauthorized(DomainError):
    status, code, title = 401, "unauthorized", "Authentication required"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="rapport"'}


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", "Forbidden"


class NotFound(DomainError):
    status, code, title = 404, "not-found", "Not found"


class Conflict(DomainError):
    status, code, title = 409, "conflict", "Conflict"


class Gone(DomainError):
    status, code, title = 410, "gone", "Gone"


class PreconditionFailed(DomainError):
    status, code, title = 412, "precondition-failed", "Precondition failed"


class PayloadTooLarge(DomainError):
    status, code, title = 413, "payload-too-large", "Payload too large"


class Unprocessable(DomainError):
    status, code, title = 422, "unprocessable", "Unprocessable request"

    def __init__(
        self, detail: str | None = None, errors: list[FieldError] | None = None, **extra: Any
    ):
        super().__init__(detail, **extra)
        self.errors = errors or []


class IdempotencyKeyReused(Unprocessable):
    code, title = "idempotency-key-reused", "Idempotency key reused with another request"


class ServiceUnavailable(DomainError):
    status, code, title = 503, "service-unavailable", "Service unavailable"

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "1"} if self.status == 503 else {}


def problem_type(code: str) -> str:
    return PROBLEM_BASE + code


def problem_body(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    instance: str | None = None,
    request_id: str | None = None,
    errors: list[FieldError] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {"type": problem_type(code), "title": title, "status": status}
    if detail is not None:
        body["detail"] = detail
    if instance is not None:
        body["instance"] = instance
    if request_id is not None:
        body["request_id"] = request_id
    if errors:
        body["errors"] = [e.model_dump(exclude_none=True) for e in errors]
    body.update(extra)
    return body
