"""API schemas of the loyalty programme and the accounts' ledgers."""

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    field_validator,
)

from crm_common.money import Currency
from crm_contacts.validation import Label, Subject

MAX_POINTS = 1_000_000_000


def _positive_rate(value: str) -> str:
    if Decimal(value) <= 0:
        raise ValueError("a rate must be above 0")
    return value


Rate = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{1,6}(\.[0-9]{1,6})?$"),
    AfterValidator(_positive_rate),
    Field(description='Points per currency unit, a positive decimal string ("1", "0.5")'),
]
Points = Annotated[StrictInt, Field(ge=1, le=MAX_POINTS)]


class EntryKind(StrEnum):
    earn = "earn"
    redeem = "redeem"
    adjust = "adjust"
    expire = "expire"


class TierRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Label
    threshold: StrictInt = Field(ge=0, le=10**12, description="Lifetime earned points")


class ProgrammeUpdate(BaseModel):
    """The whole programme (every field is replaced)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "earn_rates": {"EUR": "1", "USD": "1"},
                    "tiers": [
                        {"name": "bronze", "threshold": 0},
                        {"name": "silver", "threshold": 1000},
                        {"name": "gold", "threshold": 5000},
                    ],
                    "expiry_days": 365,
                }
            ]
        },
    )

    earn_rates: dict[Currency, Rate] = Field(
        max_length=50, description="Currencies that earn points; any other earns nothing"
    )
    tiers: list[TierRule] = Field(
        min_length=1,
        max_length=20,
        description="Ascending thresholds of lifetime earned points, the first at 0",
    )
    expiry_days: StrictInt | None = Field(
        ge=1, le=3650, description="Days after delivery that earned points expire (null: never)"
    )


class ProgrammeRead(BaseModel):
    earn_rates: dict[str, str]
    tiers: list[TierRule]
    expiry_days: int | None
    version: int
    updated_at: datetime | None = Field(description="Null while the defaults apply")


class ExpiringPoints(BaseModel):
    points: int
    expires_at: datetime


class AccountRead(BaseModel):
    """A contact's balance and tier (from lifetime earned points), and the points expiring next."""

    contact_id: uuid.UUID
    balance: int
    earned_points: int = Field(description="Points earned from delivered orders, lifetime")
    tier: str
    next_tier: str | None
    points_to_next_tier: int | None
    expiring: ExpiringPoints | None = Field(description="The points that expire soonest")


class EntryRead(BaseModel):
    id: uuid.UUID
    contact_id: uuid.UUID
    kind: EntryKind
    points: int = Field(description="Positive for credits, negative for debits")
    balance_after: int
    order_id: uuid.UUID | None = Field(description="The delivered order of an earn (or expire)")
    reason: str | None
    created_at: datetime
    expires_at: datetime | None = Field(description="When an earn's points expire")


class CustomerEntryRead(BaseModel):
    """An entry as its customer sees it: the reason of a staff adjustment stays internal."""

    id: uuid.UUID
    kind: EntryKind
    points: int
    balance_after: int
    order_id: uuid.UUID | None
    reason: str | None
    created_at: datetime
    expires_at: datetime | None


class AccountExport(BaseModel):
    """A contact's account row, as the privacy export gives it."""

    balance: int
    earned_points: int
    created_at: datetime
    updated_at: datetime


class MyLoyaltyRead(AccountRead):
    entries: list[CustomerEntryRead] = Field(description="The latest entries, newest first")


class RedemptionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"points": 500, "reason": "Voucher"}]}
    )

    points: Points
    reason: Subject | None = None


class AdjustmentCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"points": 200, "reason": "Goodwill: late delivery"}]},
    )

    points: StrictInt = Field(
        ge=-MAX_POINTS, le=MAX_POINTS, description="Points to add (or, negative, to take)"
    )
    reason: Subject

    @field_validator("points")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("an adjustment adds or takes at least 1 point")
        return value
