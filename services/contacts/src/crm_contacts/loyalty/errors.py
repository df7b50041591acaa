"""Typed errors of the loyalty programme."""

from crm_common.errors import Conflict, FieldError, Unprocessable


class InsufficientPoints(Conflict):
    """A debit beyond the balance: nothing is written; `balance` and `requested` say why."""

    code, title = "insufficient-points", "Not enough points"

    def __init__(self, balance: int, requested: int) -> None:
        super().__init__(
            f"The balance is {balance} points; {requested} were requested.",
            balance=balance,
            requested=requested,
        )


class InvalidProgramme(Unprocessable):
    code, title = "validation-error", "Validation failed"

    def __init__(self, errors: list[FieldError]) -> None:
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        super().__init__(detail, errors=errors)
