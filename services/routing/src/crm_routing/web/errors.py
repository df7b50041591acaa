"""Typed errors of web sessions and engagement rules."""

import uuid

from crm_common.errors import FieldError, NotFound, Unprocessable


class InvalidRequest(Unprocessable):
    code, title = "validation-error", "Validation failed"

    def __init__(self, errors: list[FieldError]) -> None:
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        super().__init__(detail, errors=errors)


class RuleNotFound(NotFound):
    code, title = "engagement-rule-not-found", "Engagement rule not found"

    def __init__(self, rule_id: uuid.UUID) -> None:
        super().__init__(f"There is no engagement rule {rule_id}.")
