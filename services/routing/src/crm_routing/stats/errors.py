"""Typed errors of call statistics."""

from crm_common.errors import FieldError, Unprocessable


class InvalidStatsRange(Unprocessable):
    code, title = "invalid-range", "Invalid time range"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(
            f"{field}: {message}", errors=[FieldError(field=field, message=message, code="range")]
        )
