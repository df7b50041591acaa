"""Revoked customer tokens. Tokens themselves are not stored; a revocation names one token (its
`jti`) or every token of a contact issued before `not_before`, and is kept until the tokens it
refuses have expired anyway."""

import uuid
from datetime import datetime

from sqlmodel import Field

from crm_common.db import UTCDateTime, new_id, utcnow
from crm_gateway.db import GatewayBase


class CustomerTokenRevocation(GatewayBase, table=True):
    __tablename__ = "customer_token_revocations"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    contact_id: uuid.UUID = Field(index=True)
    # One token (its JWT id), or every token issued before `not_before`: one of the two is set.
    jti: str | None = Field(default=None, max_length=64)
    not_before: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # After this, every token the row refuses has expired: the row may go.
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    revoked_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
