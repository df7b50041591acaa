"""Typed errors of quotes."""

import uuid
from datetime import date

from crm_common.errors import Conflict, FieldError, NotFound, Unprocessable


class QuoteNotFound(NotFound):
    code, title = "quote-not-found", "Quote not found"

    def __init__(self, quote_id: uuid.UUID) -> None:
        super().__init__(f"There is no quote {quote_id}.")


class InvalidQuote(Unprocessable):
    code, title = "validation-error", "Validation failed"

    def __init__(self, errors: list[FieldError]) -> None:
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        super().__init__(detail, errors=errors)


class QuoteExpired(Conflict):
    code, title = "quote-expired", "Quote expired"

    def __init__(self, quote_id: uuid.UUID, valid_until: date) -> None:
        super().__init__(
            f"Quote {quote_id} was valid until {valid_until.isoformat()}; make a new quote.",
            valid_until=valid_until.isoformat(),
        )


class QuoteStateConflict(Conflict):
    """The quote's status does not allow the action (e.g. accepting a draft, sending twice)."""

    code, title = "quote-state-conflict", "Not possible in the quote's status"

    def __init__(self, quote_id: uuid.UUID, status: str, action: str, allowed: str) -> None:
        super().__init__(
            f"Quote {quote_id} is {status}; only a {allowed} quote can be {action}.",
            quote_status=status,
        )


class QuotePricesChanged(Conflict):
    """The catalog prices changed since the quote was made: the order would not match it."""

    code, title = "quote-prices-changed", "Prices changed since the quote"

    def __init__(self, quote_id: uuid.UUID, quoted: str, now: str) -> None:
        super().__init__(
            f"Quote {quote_id} totals {quoted}, but its lines now price at {now}; make a new quote.",
            quoted_total=quoted,
            current_total=now,
        )
