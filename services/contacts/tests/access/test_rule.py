"""The pure rule: which rows a principal's roles, agent id and team give it, in each mode."""

import pytest

from crm_common.auth import Principal
from crm_contacts.access import EVERYTHING, NOTHING, RowAccess, RowScope, row_scope
from crm_contacts.contacts.repository import visible_condition
from crm_contacts.tasks import repository as tasks


def principal(*roles: str, agent_id: str | None = None, team: str | None = None) -> Principal:
    return Principal(id="key-1", roles=frozenset(roles), agent_id=agent_id, team=team)


@pytest.mark.parametrize(
    ("caller", "mode", "scope"),
    [
        (principal("admin"), "scoped", EVERYTHING),
        (principal("partner"), "scoped", EVERYTHING),
        (principal("agent", agent_id="a1"), "scoped", RowScope(agent_ids=frozenset({"a1"}))),
        (
            principal("agent", agent_id="a1", team="north"),
            "scoped",
            RowScope(agent_ids=frozenset({"a1"})),
        ),
        (principal("agent"), "scoped", NOTHING),
        (principal("manager", team="north"), "scoped", RowScope(teams=frozenset({"north"}))),
        (
            principal("manager", agent_id="m1", team="north"),
            "scoped",
            RowScope(agent_ids=frozenset({"m1"}), teams=frozenset({"north"})),
        ),
        (principal("manager"), "scoped", NOTHING),
        (
            principal("agent", "manager", agent_id="a1", team="south"),
            "scoped",
            RowScope(agent_ids=frozenset({"a1"}), teams=frozenset({"south"})),
        ),
        (principal("agent", "admin", agent_id="a1"), "scoped", EVERYTHING),
        (principal("website", agent_id="a1", team="north"), "scoped", NOTHING),
        (principal("agent"), "open", EVERYTHING),
        (principal("manager"), "open", EVERYTHING),
        (principal("partner"), "open", EVERYTHING),
        (principal("erp"), "open", NOTHING),
    ],
)
def test_row_scope(caller: Principal, mode: RowAccess, scope: RowScope) -> None:
    assert row_scope(caller, mode) == scope


def test_nothing_is_a_scope_without_agents_or_teams() -> None:
    assert (NOTHING.nothing, EVERYTHING.nothing) == (True, False)
    assert RowScope(teams=frozenset({"north"})).nothing is False


def test_callers_who_see_every_row_add_no_condition() -> None:
    """Admins (and open mode) pay nothing for row-level access: no WHERE clause at all."""
    assert visible_condition(EVERYTHING) is None
    assert tasks.visible_condition(EVERYTHING) is None
    assert str(visible_condition(NOTHING)) == "false"
