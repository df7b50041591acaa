"""Typed errors of opportunities."""

import uuid

from crm_common.errors import Conflict, FieldError, NotFound, Unprocessable


class OpportunityNotFound(NotFound):
    code, title = "opportunity-not-found", "Opportunity not found"

    def __init__(self, opportunity_id: uuid.UUID) -> None:
        super().__init__(f"There is no opportunity {opportunity_id}.")


class InvalidOpportunity(Unprocessable):
    code, title = "validation-error", "Validation failed"

    def __init__(self, errors: list[FieldError]) -> None:
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        super().__init__(detail, errors=errors)


class OpportunityClosed(Conflict):
    """Won and lost are final: an opportunity in such a stage moves no more."""

    code, title = "opportunity-closed", "Opportunity closed"

    def __init__(self, opportunity_id: uuid.UUID, stage: str) -> None:
        super().__init__(
            f"Opportunity {opportunity_id} is closed in the stage {stage!r}; it moves no more.",
            stage=stage,
        )
