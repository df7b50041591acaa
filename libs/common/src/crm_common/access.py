"""Row-level access, the contract every service applies to its records about people: which
agents' rows a staff caller may see (pure: no I/O).

Under "scoped" (the default), an `agent` sees the rows of its own `agent_id` (the contacts it owns
or is assigned to, the calls it took...), a `manager` those of the agents of its `team` plus its
own, and the roles a service names (`admin` always) every row; a caller with several roles gets
the widest, and an agent without an agent id, or a manager with neither team nor agent id, none.
Under "open" every staff member sees every row. Each service turns a `RowScope` into SQL on its
own tables.
"""

from dataclasses import dataclass
from typing import Literal

from crm_common.auth import Principal

RowAccess = Literal["scoped", "open"]


@dataclass(frozen=True)
class RowScope:
    """The rows a caller may see: all of them (`everything`), or those of one of `agent_ids` or of
    an agent of one of `teams`."""

    everything: bool = False
    agent_ids: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()

    @property
    def nothing(self) -> bool:
        return not (self.everything or self.agent_ids or self.teams)


EVERYTHING = RowScope(everything=True)
"""Every row: the roles that see all, open mode, and a service's own work (event handlers)."""
NOTHING = RowScope()


def row_scope(
    principal: Principal, mode: RowAccess, all_rows_roles: frozenset[str] = frozenset({"admin"})
) -> RowScope:
    """The rows `principal` may see under `mode` (the widest of its roles)."""
    if principal.has_any(all_rows_roles) or (mode == "open" and principal.is_staff):
        return EVERYTHING
    agent_ids: set[str] = set()
    teams: set[str] = set()
    if principal.agent_id and principal.has_any({"agent", "manager"}):
        agent_ids.add(principal.agent_id)
    if principal.team and "manager" in principal.roles:
        teams.add(principal.team)
    return RowScope(agent_ids=frozenset(agent_ids), teams=frozenset(teams))
