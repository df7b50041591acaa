"""The rule engine as pure functions: no database, no server."""

import random
from decimal import Decimal

from crm_orders.configurator.engine import (
    MAX_ALTERNATIVES,
    OptionSpec,
    Product,
    RuleSpec,
    Violation,
    check,
    compile_product,
    evaluate,
    is_valid,
    price,
)

D = Decimal


def lamp() -> tuple[list[OptionSpec], list[RuleSpec]]:
    options = [
        OptionSpec("fixture", True, {"F1": D("0"), "F2": D("20.00")}),
        OptionSpec("lamp", True, {"L1": D("0"), "L2": D("5.50"), "L3": D("12.25")}),
        OptionSpec("ballast", False, {"B1": D("0"), "B2": D("3.00")}),
    ]
    rules = [
        RuleSpec(when={"fixture": "F2"}, excludes={"lamp": "L3"}),
        RuleSpec(when={"lamp": "L3"}, requires={"ballast": "B2"}),
    ]
    return options, rules


def product(base: str = "100.00") -> Product:
    options, rules = lamp()
    return compile_product(D(base), options, rules)


def test_a_valid_configuration_is_priced_per_unit_and_in_total() -> None:
    result = evaluate(product(), {"fixture": "F2", "lamp": "L2"}, 3)
    assert result.valid is True
    assert result.violations == ()
    assert (result.unit_price, result.total) == (D("125.50"), D("376.50"))


def test_the_unit_price_is_rounded_to_the_cent_before_it_is_multiplied() -> None:
    compiled = compile_product(D("0.333"), [OptionSpec("a", False, {"x": D("0.001")})], [])
    assert price(compiled, {"a": "x"}) == D("0.33")
    assert evaluate(compiled, {"a": "x"}, 3).total == D("0.99")


def test_unknown_groups_and_values_are_named() -> None:
    violations = check(product(), {"fixture": "F9", "colour": "red", "lamp": "L1"})
    assert violations == [
        Violation(
            "options.fixture",
            "unknown_value",
            "'F9' is not a value of 'fixture' (one of: F1, F2)",
            "fixture",
        ),
        Violation(
            "options.colour", "unknown_group", "this product has no option group 'colour'", "colour"
        ),
    ]


def test_missing_required_groups_are_listed_in_definition_order() -> None:
    violations = check(product(), {})
    assert [(v.rule, v.kind) for v in violations] == [
        ("options.fixture", "missing_required"),
        ("options.lamp", "missing_required"),
    ]
    assert violations[0].message == "a value of 'fixture' must be chosen"


def test_excludes_and_requires_name_their_rule() -> None:
    result = evaluate(product(), {"fixture": "F2", "lamp": "L3"}, 1)
    assert result.valid is False
    assert (result.unit_price, result.total) == (None, None)
    assert [(v.rule, v.kind, v.message) for v in result.violations] == [
        ("rules.0", "excludes", "fixture=F2 excludes lamp=L3"),
        ("rules.1", "requires", "lamp=L3 requires ballast=B2"),
    ]


def test_a_requirement_that_is_met_is_no_violation() -> None:
    result = evaluate(product(), {"fixture": "F1", "lamp": "L3", "ballast": "B2"}, 2)
    assert result.valid is True
    assert (result.unit_price, result.total) == (D("115.25"), D("230.50"))


def test_a_rule_with_several_conditions_applies_only_when_all_hold() -> None:
    options, _ = lamp()
    compiled = compile_product(
        D("10"),
        options,
        [RuleSpec(when={"fixture": "F2", "lamp": "L2"}, requires={"ballast": "B1"})],
    )
    assert check(compiled, {"fixture": "F2", "lamp": "L1"}) == []
    assert check(compiled, {"fixture": "F1", "lamp": "L2"}) == []
    assert [v.message for v in check(compiled, {"fixture": "F2", "lamp": "L2"})] == [
        "fixture=F2 and lamp=L2 requires ballast=B1"
    ]
    assert check(compiled, {"fixture": "F2", "lamp": "L2", "ballast": "B1"}) == []


def test_rules_are_indexed_by_each_condition() -> None:
    options, _ = lamp()
    compiled = compile_product(
        D("10"),
        options,
        [
            RuleSpec(when={"fixture": "F2", "lamp": "L2"}, requires={"ballast": "B1"}),
            RuleSpec(when={"fixture": "F2"}, excludes={"lamp": "L3"}),
        ],
    )
    assert {pair: [r.index for r in rules] for pair, rules in compiled.rules_by_pair.items()} == {
        ("fixture", "F2"): [0, 1],
        ("lamp", "L2"): [0],
    }


def test_alternatives_change_exactly_one_group_and_are_valid() -> None:
    result = evaluate(product(), {"fixture": "F2", "lamp": "L3"}, 2)
    assert [(a.options, a.changed_group, a.unit_price, a.total) for a in result.alternatives] == [
        ({"fixture": "F2", "lamp": "L1"}, "lamp", D("120.00"), D("240.00")),
        ({"fixture": "F2", "lamp": "L2"}, "lamp", D("125.50"), D("251.00")),
    ]


def test_alternatives_of_a_valid_configuration_are_its_valid_neighbours() -> None:
    result = evaluate(product(), {"fixture": "F1", "lamp": "L1"}, 1)
    assert [a.options for a in result.alternatives] == [
        {"fixture": "F2", "lamp": "L1"},
        {"fixture": "F1", "lamp": "L2"},
        {"fixture": "F1", "lamp": "L1", "ballast": "B1"},
        {"fixture": "F1", "lamp": "L1", "ballast": "B2"},
    ]


def test_dropping_an_unknown_group_is_an_alternative() -> None:
    result = evaluate(product(), {"fixture": "F1", "lamp": "L1", "colour": "red"}, 1)
    assert result.valid is False
    assert result.alternatives[-1].options == {"fixture": "F1", "lamp": "L1"}
    assert result.alternatives[-1].changed_group == "colour"
    assert [a.changed_group for a in result.alternatives] == ["colour"]


def test_alternatives_are_bounded_and_deterministic() -> None:
    values = {f"V{i:02d}": D(i) for i in range(40)}
    compiled = compile_product(D("1"), [OptionSpec("size", True, values)], [])
    first = evaluate(compiled, {"size": "V00"}, 1).alternatives
    assert len(first) == MAX_ALTERNATIVES
    assert [a.options["size"] for a in first] == [f"V{i:02d}" for i in range(1, 11)]
    assert evaluate(compiled, {"size": "V00"}, 1).alternatives == first


def test_alternatives_can_be_skipped() -> None:
    assert (
        evaluate(product(), {"fixture": "F1", "lamp": "L1"}, 1, alternatives=False).alternatives
        == ()
    )


def test_two_hundred_rules_check_only_the_triggered_ones() -> None:
    groups = [OptionSpec(f"g{g}", True, {f"v{v}": D(v) for v in range(10)}) for g in range(10)]
    rules = [
        RuleSpec(
            when={f"g{i % 10}": f"v{i % 7}"}, excludes={f"g{(i + 1) % 10}": f"v{(i + 3) % 10}"}
        )
        for i in range(200)
    ]
    compiled = compile_product(D("50"), groups, rules)
    configuration = {f"g{g}": "v9" for g in range(10)}
    result = evaluate(compiled, configuration, 2)
    assert result.valid is True
    assert result.unit_price == D("140.00")
    assert len(result.alternatives) == MAX_ALTERNATIVES
    broken = {**configuration, "g0": "v0", "g1": "v3"}
    assert [v.rule for v in check(compiled, broken)] == ["rules.0", "rules.70", "rules.140"]


def _every_neighbour(compiled: Product, configuration: dict[str, str]) -> list[dict[str, str]]:
    """The valid one-change neighbours by brute force: every group, every value, checked whole."""
    found = []
    for spec in compiled.options:
        for code in spec.values:
            if code != configuration.get(spec.group):
                candidate = {**configuration, spec.group: code}
                if not check(compiled, candidate):
                    found.append(candidate)
    for group in configuration:
        if group not in compiled.by_group:
            candidate = {g: c for g, c in configuration.items() if g != group}
            if not check(compiled, candidate):
                found.append(candidate)
    return found[:MAX_ALTERNATIVES]


def test_pruned_alternatives_and_the_quick_validity_check_match_brute_force() -> None:
    rng = random.Random(3)
    groups = [OptionSpec(f"g{g}", g < 4, {f"v{v}": D(v) for v in range(6)}) for g in range(8)]
    rules = []
    for _ in range(120):
        a, b, c = rng.sample(range(8), 3)
        when = {f"g{a}": f"v{rng.randrange(6)}"}
        if rng.random() < 0.3:
            when[f"g{c}"] = f"v{rng.randrange(6)}"
        target = {f"g{b}": f"v{rng.randrange(6)}"}
        rules.append(
            RuleSpec(when=when, excludes=target)
            if rng.random() < 0.6
            else RuleSpec(when=when, requires=target)
        )
    compiled = compile_product(D("10"), groups, rules)
    valid_seen = 0
    for _ in range(400):
        configuration = {
            f"g{g}": f"v{rng.randrange(6)}" for g in range(8) if g < 4 or rng.random() < 0.5
        }
        if rng.random() < 0.1:
            configuration[f"x{rng.randrange(2)}"] = "v0"  # a group the product does not have
        if rng.random() < 0.1:
            configuration.pop("g0")
        result = evaluate(compiled, configuration, 1)
        valid_seen += result.valid
        assert is_valid(compiled, configuration) is result.valid
        assert [a.options for a in result.alternatives] == _every_neighbour(compiled, configuration)
    assert 0 < valid_seen < 400  # both kinds were exercised
