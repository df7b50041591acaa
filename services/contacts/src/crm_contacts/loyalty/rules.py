"""The programme's rules, without I/O: points a delivered order earns, tiers, and their validation.

A contact's tier counts the points it earned from delivered orders over its lifetime (adjustments
change the balance, not the tier; redemptions and expiry never lower a tier).
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from crm_common.errors import FieldError

DEFAULT_EARN_RATES = {"EUR": "1", "USD": "1"}
DEFAULT_TIERS = (("bronze", 0), ("silver", 1000), ("gold", 5000))
DEFAULT_EXPIRY_DAYS = 365


@dataclass(frozen=True)
class Tier:
    name: str
    threshold: int


@dataclass(frozen=True)
class Standing:
    """The tier of `earned` points, the next one and how many points are missing to reach it."""

    tier: str
    next_tier: str | None
    points_to_next_tier: int | None


def points_for(total: Decimal, currency: str, rates: Mapping[str, str]) -> int:
    """floor(total * the currency's rate); 0 for a currency the programme does not list."""
    rate = rates.get(currency)
    if rate is None or total <= 0:
        return 0
    return math.floor(total * Decimal(rate))


def standing(tiers: Sequence[Tier], earned: int) -> Standing:
    """The highest tier whose threshold `earned` reaches (tiers ascending, the first at 0)."""
    reached = [t for t in tiers if t.threshold <= earned]
    current = reached[-1] if reached else tiers[0]
    ahead = [t for t in tiers if t.threshold > earned]
    if not ahead:
        return Standing(current.name, None, None)
    return Standing(current.name, ahead[0].name, ahead[0].threshold - earned)


def tier_errors(tiers: Sequence[Tier]) -> list[FieldError]:
    """What breaks the tier rules: the first at 0, thresholds strictly ascending, names unique."""
    errors: list[FieldError] = []
    if tiers and tiers[0].threshold != 0:
        errors.append(
            FieldError(
                field="body.tiers.0.threshold",
                message="the first tier starts at 0 points",
                code="first_tier_not_zero",
            )
        )
    seen: set[str] = set()
    for index, tier in enumerate(tiers):
        if index and tier.threshold <= tiers[index - 1].threshold:
            errors.append(
                FieldError(
                    field=f"body.tiers.{index}.threshold",
                    message=f"must be above the previous tier's {tiers[index - 1].threshold}",
                    code="thresholds_not_ascending",
                )
            )
        if tier.name.casefold() in seen:
            errors.append(
                FieldError(
                    field=f"body.tiers.{index}.name",
                    message=f"the tier name {tier.name!r} is used twice",
                    code="duplicate_tier_name",
                )
            )
        seen.add(tier.name.casefold())
    return errors
