"""Pure rules of stage lists: no database."""

from typing import Any

from crm_orders.pipelines.stages import DEFAULT_STAGES, StageList, stage_list_errors


def stages(*spec: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"name": name, "probability": 50, "kind": kind} for name, kind in spec]


def codes(items: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(e.field, e.code) for e in stage_list_errors(items)]


def test_the_default_stages_are_a_valid_pipeline() -> None:
    assert stage_list_errors(DEFAULT_STAGES) == []
    listed = StageList(DEFAULT_STAGES)
    assert listed.names == [
        "initiation",
        "identification",
        "qualification",
        "rfq_received",
        "quote_sent",
        "won",
        "lost",
    ]
    assert listed.first.name == "initiation"
    won = listed.first_of_kind("won")
    assert won is not None
    assert (won.name, won.position, won.closed) == ("won", 5, True)
    rfq = listed.get("rfq_received")
    assert rfq is not None
    assert (rfq.probability, rfq.kind, rfq.closed) == (60, "open", False)
    assert listed.get("nope") is None


def test_names_are_unique() -> None:
    items = stages(("a", "open"), ("a", "open"), ("w", "won"), ("l", "lost"))
    assert codes(items) == [("body.stages.1.name", "duplicate_stage")]


def test_open_stages_come_first_and_won_and_lost_are_needed() -> None:
    assert codes(stages(("w", "won"), ("a", "open"), ("l", "lost"))) == [
        ("body.stages.0.kind", "first_stage_closed"),
        ("body.stages.1.kind", "open_after_closed"),
    ]
    assert codes(stages(("a", "open"), ("b", "open"), ("l", "lost"))) == [
        ("body.stages", "no_won_stage")
    ]
    assert codes(stages(("a", "open"), ("w", "won"), ("w2", "won"))) == [
        ("body.stages", "no_lost_stage")
    ]
