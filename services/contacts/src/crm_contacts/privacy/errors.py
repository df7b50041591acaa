"""Typed errors of data rights."""

import uuid

from crm_common.errors import NotFound


class ErasureNotFound(NotFound):
    code, title = "erasure-not-found", "Erasure request not found"

    def __init__(self, contact_id: uuid.UUID) -> None:
        super().__init__(f"No erasure was requested for contact {contact_id}.")
