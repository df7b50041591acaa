"""The rule of row-level access, without a database (`crm_routing.access` is pure)."""

import uuid

import pytest

from crm_common.auth import Principal
from crm_routing.access import EVERYTHING, NOTHING, RowScope, row_scope, sees_agent, visible

A1 = "0190c4c6-0000-7000-8000-000000000001"


def principal(*roles: str, agent_id: str | None = None, team: str | None = None) -> Principal:
    return Principal(id="key-1", roles=frozenset(roles), agent_id=agent_id, team=team)


@pytest.mark.parametrize(
    ("caller", "mode", "expected"),
    [
        (principal("admin"), "scoped", EVERYTHING),
        (principal("admin", "website"), "scoped", EVERYTHING),
        (principal("agent"), "open", EVERYTHING),
        (principal("manager"), "open", EVERYTHING),
        (principal("agent", agent_id=A1, team="T"), "scoped", RowScope(agent_ids=frozenset({A1}))),
        (principal("manager", team="T"), "scoped", RowScope(teams=frozenset({"T"}))),
        (
            principal("manager", agent_id=A1, team="T"),
            "scoped",
            RowScope(agent_ids=frozenset({A1}), teams=frozenset({"T"})),
        ),
        (principal("agent"), "scoped", NOTHING),
        (principal("manager"), "scoped", NOTHING),
        (principal("telephony"), "scoped", RowScope(whole=frozenset({"call"}))),
        (principal("telephony"), "open", RowScope(whole=frozenset({"call"}))),
        (
            principal("website"),
            "open",
            RowScope(whole=frozenset({"chat", "session"}), scheduled_by="key-1"),
        ),
        (
            principal("website", "agent", agent_id=A1),
            "scoped",
            RowScope(
                agent_ids=frozenset({A1}),
                whole=frozenset({"chat", "session"}),
                scheduled_by="key-1",
            ),
        ),
        (principal("publishable"), "scoped", NOTHING),
    ],
)
def test_row_scope(caller: Principal, mode: str, expected: RowScope) -> None:
    assert row_scope(caller, mode) == expected  # type: ignore[arg-type]


def test_callers_who_see_a_whole_kind_pay_no_condition() -> None:
    telephony = RowScope(whole=frozenset({"call"}))
    for dialect in ("sqlite", "postgresql"):
        assert [visible(r, EVERYTHING, dialect) for r in ("call", "callback", "chat")] == [None] * 3
        assert visible("call", telephony, dialect) is None
        assert visible("chat", telephony, dialect) is not None
        assert str(visible("chat", NOTHING, dialect)) == "false"
        assert str(visible("callback", NOTHING, dialect)) == "false"


def test_a_feed_is_its_agents_and_its_teams() -> None:
    a1, other = uuid.UUID(A1), uuid.uuid4()
    manager = RowScope(agent_ids=frozenset({A1}), teams=frozenset({"T"}))

    assert sees_agent(manager, a1, None)
    assert sees_agent(manager, other, "T")
    assert not sees_agent(manager, other, "U")
    assert not sees_agent(manager, other, None)
    assert not sees_agent(RowScope(agent_ids=frozenset({"not-an-id"})), other, None)
    assert sees_agent(EVERYTHING, other, None)
