"""The routing decision as pure functions: no database, no server."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from crm_routing.calls.choice import (
    Caller,
    Candidate,
    PriorityRules,
    WaitingCall,
    choose_agent,
    choose_call,
    expected_wait_seconds,
    history_category,
    priority,
)

T0 = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


def agent(agent_id: str, minutes_idle: int = 0, **skills: int) -> Candidate:
    return Candidate(id=agent_id, skills=skills, ready_since=T0 - timedelta(minutes=minutes_idle))


def test_the_owner_wins_over_a_better_expert() -> None:
    ready = [agent("expert", 10, ski=5), agent("owner", 0, ski=1)]
    assert choose_agent(Caller(("owner",), "ski"), ready).id == "owner"  # type: ignore[union-attr]


def test_the_last_agent_comes_after_the_owner() -> None:
    ready = [agent("last", 10), agent("expert", 20, ski=5)]
    chosen = choose_agent(Caller(("away-owner", "last"), "ski"), ready)
    assert chosen is not None and chosen.id == "last"


def test_the_highest_skill_wins_then_the_one_idle_longest() -> None:
    ready = [agent("a", 5, ski=4), agent("b", 30, ski=2), agent("c", 10, ski=4), agent("d", 99)]
    chosen = choose_agent(Caller((), "ski"), ready)
    assert chosen is not None and chosen.id == "c"


def test_no_expert_queues_unless_widened_or_without_category() -> None:
    ready = [agent("a", 5, golf=4), agent("b", 30)]
    assert choose_agent(Caller((), "ski"), ready) is None
    widened = choose_agent(Caller((), "ski"), ready, widened=True)
    assert widened is not None and widened.id == "b"
    anyone = choose_agent(Caller((), None), ready)
    assert anyone is not None and anyone.id == "b"
    assert choose_agent(Caller(("x",), None), []) is None


def test_a_free_agent_takes_the_highest_priority_then_the_longest_waiting_call() -> None:
    now = T0
    waiting = [
        WaitingCall("old-low", Caller((), "ski"), 0, now - timedelta(seconds=50)),
        WaitingCall("new-high", Caller((), "ski"), 20, now - timedelta(seconds=5)),
        WaitingCall("old-high", Caller((), "ski"), 20, now - timedelta(seconds=40)),
        WaitingCall("golf", Caller((), "golf"), 99, now - timedelta(seconds=40)),
    ]
    chosen = choose_call(agent("a", ski=1), waiting, now, widen_after=60)
    assert chosen is not None and chosen.call_id == "old-high"


def test_a_call_waiting_past_the_threshold_widens_to_anyone() -> None:
    now = T0
    golf = WaitingCall("golf", Caller(("owner",), "golf"), 0, now - timedelta(seconds=59))
    assert choose_call(agent("a", ski=5), [golf], now, widen_after=60) is None
    later = now + timedelta(seconds=1)
    chosen = choose_call(agent("a", ski=5), [golf], later, widen_after=60)
    assert chosen is not None and chosen.call_id == "golf"


def test_priority_by_lifecycle_and_spend() -> None:
    rules = PriorityRules({"customer": 20, "lead": 10}, Decimal("1000"), 50)
    assert priority("customer", Decimal("999.99"), rules) == 20
    assert priority("customer", Decimal("1000"), rules) == 70
    assert priority("inactive", Decimal("0"), rules) == 0
    assert priority(None, Decimal("5000"), rules) == 50


def test_history_category_and_expected_wait() -> None:
    assert history_category({"golf": 2, "ski": 3, "art": 3}) == "art"
    assert history_category({}) is None
    assert expected_wait_seconds(3, 2, 180) == 270
    assert expected_wait_seconds(1, 0, 180) == 180
