"""What every router of the service shares: the event source, the staff roles, Idempotency-Key,
ETag and Location headers in OpenAPI, JSON answers, and bounded, storable text (`Name`, `Reason`);
then what the catalog, configurator, order and ERP routers use besides: their roles, their problem
responses, amounts in cents, SKUs, option codes, URLs and timestamps. The sales half (pipelines,
opportunities, stage rules, quotes) keeps only what is its own in `crm_orders.sales`.

Every string that reaches the database is bounded and free of NUL characters and lone surrogates
(PostgreSQL and UTF-8 cannot store them), so such input is a 422 and never a 500.
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import AfterValidator, StringConstraints

from crm_common.access import RowScope
from crm_common.auth import Principal, PrincipalDep, require_roles
from crm_common.http import Idempotency, idempotency_dependency
from crm_common.openapi import problem_responses

# Re-exported: the service's schemas take them from here.
from crm_common.validation import Timestamp as Timestamp  # noqa: PLC0414
from crm_common.validation import clean_text as clean_text  # noqa: PLC0414
from crm_orders.access import row_scope
from crm_orders.db import IdempotencyRecord

# --- every router ----------------------------------------------------------------------------------

SOURCE = "orders"
STAFF_ROLES = ("admin", "manager", "agent")

IdempotencyDep = Annotated[Idempotency, Depends(idempotency_dependency(IdempotencyRecord))]


async def record_rows(request: Request, principal: PrincipalDep) -> RowScope:
    """The records the caller may see under `CRM_ORDERS_ROW_ACCESS` (async: no thread hop)."""
    return row_scope(principal, request.app.state.settings.row_access)


RowScopeDep = Annotated[RowScope, Depends(record_rows)]


def bounded_text(max_length: int) -> Any:
    """The constraints of a stripped, non-empty string of at most `max_length` characters."""
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


Name = Annotated[str, bounded_text(200), AfterValidator(clean_text)]
Reason = Annotated[str, bounded_text(500), AfterValidator(clean_text)]

# --- the catalog, configurator, order and ERP routers ----------------------------------------------

# DESIGN §5: staff do everything; partners read and write orders and read the catalog; the website
# reads the catalog, validates configurations and places orders; the ERP reads orders and products.
CATALOG_WRITERS = ("admin", "manager")
CATALOG_READERS = (*STAFF_ROLES, "partner", "website", "erp")
CONFIGURATOR_ROLES = (*STAFF_ROLES, "partner", "website")
ORDER_READERS = (*STAFF_ROLES, "partner", "erp")
ORDER_WRITERS = (*STAFF_ROLES, "partner")
ORDER_PLACERS = (*STAFF_ROLES, "partner", "website")
ERP_ROLES = ("admin", "erp")

CatalogWriter = Annotated[Principal, Depends(require_roles(*CATALOG_WRITERS))]
CatalogReader = Annotated[Principal, Depends(require_roles(*CATALOG_READERS))]
ConfiguratorCaller = Annotated[Principal, Depends(require_roles(*CONFIGURATOR_ROLES))]
OrderReader = Annotated[Principal, Depends(require_roles(*ORDER_READERS))]
OrderWriter = Annotated[Principal, Depends(require_roles(*ORDER_WRITERS))]
OrderPlacer = Annotated[Principal, Depends(require_roles(*ORDER_PLACERS))]
ErpCaller = Annotated[Principal, Depends(require_roles(*ERP_ROLES))]

PROBLEM_DESCRIPTIONS = {
    400: "Malformed JSON",
    404: "Not found",
    409: "Conflict (sold out, duplicate, or a transition the current state does not allow)",
    412: "The If-Match ETag is stale",
    422: "Validation failed",
}
problems = problem_responses(PROBLEM_DESCRIPTIONS)

CENT = Decimal("0.01")


def to_cents(value: Decimal) -> Decimal:
    """`value` rounded half-up to two decimals, as every amount is stored and shown."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


Text = Annotated[str, bounded_text(200), AfterValidator(clean_text)]
Description = Annotated[str, StringConstraints(max_length=5000), AfterValidator(clean_text)]
Url = Annotated[str, bounded_text(2000), AfterValidator(clean_text)]
Code = Annotated[
    str,
    StringConstraints(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"),
]
"""An option group name or value code, e.g. "lamp" or "L3"."""
Sku = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-/]*$")
]
