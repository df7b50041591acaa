"""What only the sales routers (pipelines, opportunities, stage rules, quotes) use: who may call
them, their problem responses in OpenAPI, and their input types (stage names, identifiers, days,
amounts). What every router shares (Idempotency-Key, headers, JSON answers, `Name`, `Reason`) is in
`crm_orders.commerce`.
"""

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import Depends
from pydantic import AfterValidator, Field

from crm_common.auth import Principal, require_roles
from crm_common.money import Money
from crm_common.openapi import problem_responses
from crm_orders.commerce import PROBLEM_DESCRIPTIONS, STAFF_ROLES, bounded_text, clean_text

# DESIGN §5: partners read and write deals; configuring pipelines and rules is for admins and
# managers; staff may read the rules (so may partners the pipelines, whose stages deals move through).
DEAL_ROLES = (*STAFF_ROLES, "partner")
CONFIG_ROLES = ("admin", "manager")

DealCaller = Annotated[Principal, Depends(require_roles(*DEAL_ROLES))]
ConfigCaller = Annotated[Principal, Depends(require_roles(*CONFIG_ROLES))]
StaffCaller = Annotated[Principal, Depends(require_roles(*STAFF_ROLES))]

problems = problem_responses({**PROBLEM_DESCRIPTIONS, 409: "Conflict"})

AMOUNT_PLACES = 4


def _check_date(value: date) -> date:
    if not 1900 <= value.year <= 2999:
        raise ValueError("date must fall between the years 1900 and 2999")
    return value


def _four_places_at_most(value: Decimal) -> Decimal:
    """`value` without the zeros written past its fourth decimal ("1.000000" → "1.0000"), so that
    it fits its column: `decimal_places` ignores trailing zeros, and refuses significant ones."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -AMOUNT_PLACES:
        return value.quantize(Decimal(1).scaleb(-AMOUNT_PLACES))
    return value


StageName = Annotated[str, bounded_text(50), AfterValidator(clean_text)]
Identifier = Annotated[str, bounded_text(200), AfterValidator(clean_text)]
Day = Annotated[date, AfterValidator(_check_date)]
Amount = Annotated[
    Money,
    Field(ge=Decimal(0), max_digits=18, decimal_places=AMOUNT_PLACES),
    AfterValidator(_four_places_at_most),
]


def money_text(value: Decimal) -> str:
    """An amount as stored (exact decimal text; compared in Python, never in SQL)."""
    return format(value, "f")
