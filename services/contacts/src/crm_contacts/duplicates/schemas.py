"""API schemas of duplicates and merges."""

import uuid

from pydantic import BaseModel, ConfigDict, Field

from crm_contacts.contacts.schemas import ContactRead


class DuplicateCandidate(BaseModel):
    contact: ContactRead
    score: float = Field(ge=0, le=1, description="1 is certain")
    reasons: list[str] = Field(
        description='What matched: "email:<address>", "phone:<E.164>", "name"'
    )


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    duplicate_id: uuid.UUID = Field(description="The contact to merge into this one")
