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

from dataclasses import dataclass
from typing import Literal

from crm_common.auth import Principal

RowAccess = Literal["scoped", "open"]

# Roles that see every contact in both modes.
ALL_ROWS_ROLES = frozenset({"admin", "partner"})


@dataclass(frozen=True)
class RowScope:
    """The contacts a caller may see: all of them (`everything`), or those owned by or assigned to
    one of `agent_ids` or to an agent of one of `teams`."""

    everything: bool = False
    agent_ids: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()

    @property
    def nothing(self) -> bool:
        return not (self.everything or self.agent_ids or self.teams)


EVERYTHING = RowScope(everything=True)
"""Every contact: admins, partners, open mode, and the service's own work (event handlers)."""
NOTHING = RowScope()


def row_scope(principal: Principal, mode: RowAccess) -> RowScope:
    """The contacts `principal` may see under `mode` (the widest of its roles)."""
    if principal.has_any(ALL_ROWS_ROLES) or (mode == "open" and principal.is_staff):
        return EVERYTHING
    agent_ids: set[str] = set()
    teams: set[str] = set()
    if principal.agent_id and principal.has_any({"agent", "manager"}):
        agent_ids.add(principal.agent_id)
    if principal.team and "manager" in principal.roles:
        teams.add(principal.team)
    return RowScope(agent_ids=frozenset(agent_ids), teams=frozenset(teams))
