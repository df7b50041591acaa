"""Typed errors of data rights, and the problem responses of the routes that may answer them."""

import uuid

from crm_common.errors import Gone
from crm_common.openapi import problem_responses
from crm_orders.commerce import PROBLEM_DESCRIPTIONS


class ContactWasErased(Gone):
    code, title = "contact-erased", "The contact was erased"

    def __init__(self, contact_id: uuid.UUID) -> None:
        super().__init__(
            f"Contact {contact_id} was erased; no order can be placed or amended for it.",
            contact_id=str(contact_id),
        )


problems = problem_responses(
    {
        **PROBLEM_DESCRIPTIONS,
        403: "Not allowed for this caller",
        410: "The contact was erased (data rights): nothing new is recorded for it",
    }
)
