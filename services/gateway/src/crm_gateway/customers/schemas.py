"""Schemas of customer tokens."""

import uuid

from pydantic import BaseModel, ConfigDict, Field, model_validator


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


class CustomerTokenRevocationRequest(BaseModel):
    """One token to revoke (the customer signed out), or a contact all of whose tokens issued
    until now are revoked (signed out everywhere): exactly one of the two."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"token": "rc_eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..."},
                {"contact_id": "0192f5e0-7c1a-7d4e-9b3a-5f6e7d8c9b0a"},
            ]
        },
    )

    token: str | None = Field(
        default=None, min_length=1, max_length=4096, description="A customer token (`rc_...`)"
    )
    contact_id: uuid.UUID | None = Field(
        default=None, description="Revoke every token of this contact issued until now"
    )

    @model_validator(mode="after")
    def _one_of_the_two(self) -> "CustomerTokenRevocationRequest":
        if (self.token is None) == (self.contact_id is None):
            raise ValueError("give either token or contact_id")
        return self
