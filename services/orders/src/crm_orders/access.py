"""Row-level access to orders, quotes and opportunities: which a caller may see and change.
`row_scope` is the rule (pure); the `*_visible` functions turn it into the SQL condition the
repositories add to their queries.

`CRM_ORDERS_ROW_ACCESS` picks the mode:

- "scoped" (the default): `admin` sees every record, and so do the integrations (`partner`, `erp`,
  `website`: they act for the business, not for one agent). An `agent` (`Principal.agent_id`)
  sees the orders and quotes of the contacts it owns or is assigned to, and the opportunities it
  owns or whose contact it owns or is assigned to (a quote also by its opportunity). A `manager`
  sees what an agent of its team (`Principal.team`; an agent's team is what routing's agent
  events say) would, plus what its own agent id sees. The widest of several roles wins; an agent
  without an agent id, or a manager with neither team nor agent id, sees none.
- "open": every staff member sees every record.

Owners and assignees come from the contacts read model (`crm_orders.readmodel`), fed by events: a
contact this service has not heard of yet is nobody's. Creating records stays open to the roles
the routes allow; a record outside the caller's rows answers 404, as an unknown one does.
"""

from typing import Any

from sqlalchemy import ColumnElement, false, or_
from sqlmodel import col, select

from crm_common.access import EVERYTHING, NOTHING, RowAccess, RowScope
from crm_common.access import row_scope as common_row_scope
from crm_common.auth import Principal
from crm_orders.opportunities.models import Opportunity
from crm_orders.orders.models import Order
from crm_orders.quotes.models import Quote
from crm_orders.readmodel.models import KnownAgent, KnownAssignee, KnownContact

# Roles that see every record in both modes.
ALL_ROWS_ROLES = frozenset({"admin", "partner", "erp", "website"})


def row_scope(principal: Principal, mode: RowAccess) -> RowScope:
    """The records `principal` may see under `mode` (the widest of its roles)."""
    return common_row_scope(principal, mode, ALL_ROWS_ROLES)


def orders_visible(scope: RowScope) -> ColumnElement[bool] | None:
    """The condition on `Order` of the orders `scope` covers; None when it covers all."""
    if scope.everything:
        return None
    return col(Order.contact_id).in_(_contacts_of(scope))


def opportunities_visible(scope: RowScope) -> ColumnElement[bool] | None:
    """The condition on `Opportunity` of the opportunities `scope` covers; None: all."""
    if scope.everything:
        return None
    return or_(
        _agent_is(col(Opportunity.owner_id), scope),
        col(Opportunity.contact_id).in_(_contacts_of(scope)),
    )


def quotes_visible(scope: RowScope) -> ColumnElement[bool] | None:
    """The condition on `Quote` of the quotes `scope` covers; None: all."""
    if scope.everything:
        return None
    owned = select(Opportunity.id).where(_agent_is(col(Opportunity.owner_id), scope))
    return or_(col(Quote.contact_id).in_(_contacts_of(scope)), col(Quote.opportunity_id).in_(owned))


def _agent_is(column: Any, scope: RowScope) -> ColumnElement[bool]:
    """`column` (an agent id as text) names one of the scope's agents or an agent of its teams."""
    matches: list[ColumnElement[bool]] = []
    if scope.agent_ids:
        matches.append(column.in_(sorted(scope.agent_ids)))
    if scope.teams:
        matches.append(
            column.in_(select(KnownAgent.id).where(col(KnownAgent.team).in_(scope.teams)))
        )
    return or_(false(), *matches)


def _contacts_of(scope: RowScope) -> Any:
    """The ids of the contacts owned by or assigned to the scope's agents, and of the contacts
    merged into one of those."""
    assigned = select(KnownAssignee.contact_id).where(_agent_is(col(KnownAssignee.agent_id), scope))
    mine = select(KnownContact.id).where(
        col(KnownContact.merged_into_id).is_(None),  # a merged contact follows its survivor only
        or_(_agent_is(col(KnownContact.owner_id), scope), col(KnownContact.id).in_(assigned)),
    )
    return select(KnownContact.id).where(
        or_(col(KnownContact.id).in_(mine), col(KnownContact.merged_into_id).in_(mine))
    )


__all__ = [
    "ALL_ROWS_ROLES",
    "EVERYTHING",
    "NOTHING",
    "RowAccess",
    "RowScope",
    "opportunities_visible",
    "orders_visible",
    "quotes_visible",
    "row_scope",
]
