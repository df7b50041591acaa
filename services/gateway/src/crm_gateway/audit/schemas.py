"""API schemas of the audit log."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class AuditEntryRead(BaseModel):
    """Who (the API key's id and roles), what (method, path, answer's status, the contact), when, and
    why (the `X-Rapport-Reason` header the caller sent, if any)."""

    seq: int = Field(description="Position in the log; entries are never changed or removed")
    at: datetime
    principal_id: str = Field(description="The API key's id")
    roles: list[str]
    action: Literal["read", "change"]
    method: str
    path: str
    status: int
    contact_id: uuid.UUID | None = Field(description="The contact whose data was reached, if known")
    reason: str | None
    request_id: str | None
