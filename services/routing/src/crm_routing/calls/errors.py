"""Typed errors of calls: unknown calls and events out of order."""

from crm_common.errors import Conflict, FieldError, NotFound, Unprocessable


class CallNotFound(NotFound):
    code, title = "call-not-found", "Call not found"

    def __init__(self, call_id: str) -> None:
        super().__init__(f"There is no call {call_id}; a call starts with a ringing event.")


class CallExists(Conflict):
    code, title = "call-exists", "Call already ringing"

    def __init__(self, call_id: str, status: str) -> None:
        super().__init__(f"Call {call_id} already rang; it is {status}.", call_status=status)


class EventOutOfOrder(Conflict):
    code, title = "call-event-out-of-order", "Event out of order"

    def __init__(self, call_id: str, event: str, status: str, hint: str) -> None:
        super().__init__(
            f"Call {call_id} is {status}: {event} cannot happen now. {hint}", call_status=status
        )


class AgentUnavailable(Conflict):
    code, title = "agent-unavailable", "Agent unavailable"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)


class InvalidCallEvent(Unprocessable):
    code, title = "validation-error", "Validation failed"

    def __init__(self, errors: list[FieldError]) -> None:
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        super().__init__(detail, errors=errors)
