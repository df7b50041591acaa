"""Typed errors of contacts; each renders once as problem+json."""

import uuid
from datetime import datetime

from crm_common.errors import Conflict, FieldError, Gone, NotFound, Unprocessable


class ContactNotFound(NotFound):
    code, title = "contact-not-found", "Contact not found"

    def __init__(self, contact_id: uuid.UUID) -> None:
        super().__init__(f"There is no contact {contact_id}.")


class NoContactForPhone(NotFound):
    code, title = "contact-not-found", "Contact not found"

    def __init__(self, e164: str) -> None:
        super().__init__(f"No contact has the phone number {e164}.", phone=e164)


class ContactMerged(Gone):
    """The contact was merged into another; `survivor_id` names the one to use instead."""

    code, title = "contact-merged", "Contact merged"

    def __init__(self, contact_id: uuid.UUID, survivor_id: uuid.UUID) -> None:
        super().__init__(
            f"Contact {contact_id} was merged into {survivor_id}.", survivor_id=str(survivor_id)
        )


class ContactErased(Gone):
    """The contact's personal data was erased; only its id remains."""

    code, title = "contact-erased", "Contact erased"

    def __init__(self, contact_id: uuid.UUID, erased_at: datetime) -> None:
        super().__init__(
            f"Contact {contact_id} was erased.",
            erased_at=erased_at.isoformat().replace("+00:00", "Z"),
        )


class InvalidContact(Unprocessable):
    """Input that is well-formed but breaks a rule of contacts; carries field errors."""

    code, title = "validation-error", "Validation failed"

    def __init__(self, errors: list[FieldError]) -> None:
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        super().__init__(detail, errors=errors)


class MergeConflict(Conflict):
    code, title = "merge-conflict", "Merge not possible"
