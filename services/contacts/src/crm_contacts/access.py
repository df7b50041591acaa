"""Row-level access to contacts: which contacts a caller may see (pure: no I/O).

`CRM_CONTACTS_ROW_ACCESS` picks the mode:

- "scoped" (the default): `admin` sees every contact, and so does `partner` (an integration; the
  field-level rule still hides staff-only fields from it). A `manager` sees the contacts owned by
  or assigned to an agent of its team (`Principal.team`; an agent's team is what the routing
  service's agent events say) and those owned by or assigned to its own `agent_id`. An `agent`
  sees only the contacts owned by or assigned to its `agent_id`. A caller with several roles gets
  the widest; an agent without an agent id, or a manager with neither team nor agent id, sees none.
- "open": every staff member (and partner) sees every contact.

Owner ids and assignee ids are agent ids. The repository turns a `RowScope` into SQL.
"""

from crm_common.access import EVERYTHING, NOTHING, RowAccess, RowScope
from crm_common.access import row_scope as common_row_scope
from crm_common.auth import Principal

# Roles that see every contact in both modes.
ALL_ROWS_ROLES = frozenset({"admin", "partner"})


def row_scope(principal: Principal, mode: RowAccess) -> RowScope:
    """The contacts `principal` may see under `mode` (the widest of its roles)."""
    return common_row_scope(principal, mode, ALL_ROWS_ROLES)


__all__ = ["ALL_ROWS_ROLES", "EVERYTHING", "NOTHING", "RowAccess", "RowScope", "row_scope"]
