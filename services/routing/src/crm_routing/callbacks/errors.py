"""Typed errors of callbacks: unknown callbacks and attempts, finished ones, bad requests."""

import uuid

from crm_common.errors import Conflict, FieldError, NotFound, Unprocessable


class CallbackNotFound(NotFound):
    code, title = "callback-not-found", "Callback not found"

    def __init__(self, callback_id: uuid.UUID) -> None:
        super().__init__(f"There is no callback {callback_id}.")


class AttemptNotFound(NotFound):
    code, title = "callback-attempt-not-found", "Callback attempt not found"

    def __init__(self, callback_id: uuid.UUID, number: int) -> None:
        super().__init__(f"Callback {callback_id} has no attempt {number}.")


class CallbackFinished(Conflict):
    code, title = "callback-finished", "Callback finished"

    def __init__(self, callback_id: uuid.UUID, status: str) -> None:
        super().__init__(f"Callback {callback_id} is {status} already.", callback_status=status)


class AttemptFinished(Conflict):
    code, title = "callback-attempt-finished", "Attempt already has an outcome"

    def __init__(self, callback_id: uuid.UUID, number: int, outcome: str) -> None:
        super().__init__(
            f"Attempt {number} of callback {callback_id} was reported as {outcome} already.",
            outcome=outcome,
        )


class AttemptNotCurrent(Conflict):
    code, title = "callback-attempt-not-current", "Not the current attempt"

    def __init__(self, callback_id: uuid.UUID, number: int, current: int) -> None:
        super().__init__(
            f"Attempt {number} is not the current attempt of callback {callback_id} "
            f"(that is {current}).",
            current_attempt=current,
        )


class InvalidCallback(Unprocessable):
    code, title = "validation-error", "Validation failed"

    def __init__(self, errors: list[FieldError]) -> None:
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        super().__init__(detail, errors=errors)


class ConsentRequired(Conflict):
    code, title = "consent-required", "Consent required"

    def __init__(self, purpose: str, contact_id: uuid.UUID | None, reason: str) -> None:
        super().__init__(
            f"A marketing callback needs the contact's consent for {purpose}: {reason}.",
            purpose=purpose,
            contact_id=None if contact_id is None else str(contact_id),
        )
