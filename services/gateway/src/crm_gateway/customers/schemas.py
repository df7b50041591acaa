"""Schemas of customer tokens."""

import uuid

from pydantic import BaseModel, ConfigDict, Field


class CustomerTokenRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"contact_id": "0192f5e0-7c1a-7d4e-9b3a-5f6e7d8c9b0a"}]},
    )

    contact_id: uuid.UUID = Field(description="The contact the website has signed in")


class CustomerToken(BaseModel):
    access_token: str = Field(
        description="Send as `Authorization: Bearer <token>` to `/v1/me...`; reaches that "
        "customer's own data only"
    )
    token_type: str = Field(default="Bearer")
    expires_in: int = Field(description="Seconds until the token expires")
    contact_id: uuid.UUID
