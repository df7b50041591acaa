"""The configuration rule engine: pure functions, no I/O.

A product definition (option groups with priced values, `requires`/`excludes` rules, a base price)
is compiled once into lookup tables; rules are indexed by each (group, code) pair of their `if`, so
checking a configuration touches only the rules that the chosen values can trigger.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

MAX_ALTERNATIVES = 10
CENT = Decimal("0.01")

ViolationKind = Literal[
    "unknown_group", "unknown_value", "missing_required", "excludes", "requires"
]
Pair = tuple[str, str]


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """An option group: its name, whether a value must be chosen, and its values' price deltas."""

    group: str
    required: bool
    values: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """When every pair of `when` is chosen, no pair of `excludes` may be, and every pair of
    `requires` must be."""

    when: Mapping[str, str]
    excludes: Mapping[str, str] = field(default_factory=dict)
    requires: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    kind: ViolationKind
    message: str
    group: str | None = None


@dataclass(frozen=True, slots=True)
class Alternative:
    """A valid configuration that differs from the one checked in exactly one group."""

    options: dict[str, str]
    changed_group: str
    unit_price: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class Result:
    valid: bool
    unit_price: Decimal | None
    total: Decimal | None
    violations: tuple[Violation, ...]
    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True, slots=True)
class _Rule:
    index: int
    when: tuple[Pair, ...]
    excludes: tuple[Pair, ...]
    requires: tuple[Pair, ...]


@dataclass(frozen=True, slots=True)
class Product:
    """A compiled product definition; build it with `compile_product`."""

    base_price: Decimal
    options: tuple[OptionSpec, ...]
    by_group: Mapping[str, OptionSpec]
    rules_by_pair: Mapping[Pair, tuple[_Rule, ...]]
    rules: tuple[_Rule, ...] = ()


def compile_product(
    base_price: Decimal, options: Sequence[OptionSpec], rules: Sequence[RuleSpec]
) -> Product:
    """Index `rules` by every (group, code) of their `if`; a rule with several conditions is listed
    under each and checked whole."""
    index: dict[Pair, list[_Rule]] = {}
    compiled: list[_Rule] = []
    for i, spec in enumerate(rules):
        rule = _Rule(
            i,
            tuple(spec.when.items()),
            tuple(spec.excludes.items()),
            tuple(spec.requires.items()),
        )
        compiled.append(rule)
        for pair in rule.when:
            index.setdefault(pair, []).append(rule)
    return Product(
        base_price=base_price,
        options=tuple(options),
        by_group={o.group: o for o in options},
        rules_by_pair={pair: tuple(found) for pair, found in index.items()},
        rules=tuple(compiled),
    )


def evaluate(
    product: Product,
    configuration: Mapping[str, str],
    quantity: int,
    *,
    alternatives: bool = True,
) -> Result:
    """Check `configuration` ({group: code}) for `quantity` units: price it when valid, list every
    violation otherwise, and offer valid configurations that change one group."""
    violations = check(product, configuration)
    unit_price = None if violations else price(product, configuration)
    total = None if unit_price is None else _cents(unit_price * quantity)
    found = nearby(product, configuration, quantity, violations) if alternatives else ()
    return Result(not violations, unit_price, total, tuple(violations), found)


def check(product: Product, configuration: Mapping[str, str]) -> list[Violation]:
    """Every violation of `configuration`, in a stable order: unknown groups and values, missing
    required groups (in definition order), then rules (in definition order)."""
    violations: list[Violation] = []
    for group, code in configuration.items():
        spec = product.by_group.get(group)
        if spec is None:
            violations.append(
                Violation(
                    f"options.{group}",
                    "unknown_group",
                    f"this product has no option group {group!r}",
                    group,
                )
            )
        elif code not in spec.values:
            allowed = ", ".join(spec.values)
            violations.append(
                Violation(
                    f"options.{group}",
                    "unknown_value",
                    f"{code!r} is not a value of {group!r} (one of: {allowed})",
                    group,
                )
            )
    for spec in product.options:
        if spec.required and spec.group not in configuration:
            violations.append(
                Violation(
                    f"options.{spec.group}",
                    "missing_required",
                    f"a value of {spec.group!r} must be chosen",
                    spec.group,
                )
            )
    violations.extend(_rule_violations(product, configuration))
    return violations


def is_valid(product: Product, configuration: Mapping[str, str]) -> bool:
    """`not check(...)`, without building the violations: it stops at the first one."""
    for group, code in configuration.items():
        spec = product.by_group.get(group)
        if spec is None or code not in spec.values:
            return False
    for spec in product.options:
        if spec.required and spec.group not in configuration:
            return False
    get = configuration.get
    for pair in configuration.items():
        for rule in product.rules_by_pair.get(pair, ()):
            if all(get(g) == c for g, c in rule.when) and (
                any(get(g) == c for g, c in rule.excludes)
                or any(get(g) != c for g, c in rule.requires)
            ):
                return False
    return True


def price(product: Product, configuration: Mapping[str, str]) -> Decimal:
    """The unit price: base price plus the delta of each chosen known value, to the cent."""
    unit = product.base_price
    for group, code in configuration.items():
        spec = product.by_group.get(group)
        if spec is not None and code in spec.values:
            unit += spec.values[code]
    return _cents(unit)


def nearby(
    product: Product,
    configuration: Mapping[str, str],
    quantity: int,
    violations: Sequence[Violation] | None = None,
) -> tuple[Alternative, ...]:
    """Up to MAX_ALTERNATIVES valid configurations that change exactly one group of
    `configuration`: groups in definition order, values in definition order; then dropping a group
    the product does not have.

    Changing one group cannot cure a violation that does not involve that group, so only the groups
    involved in every violation of `configuration` are tried (every group when it is valid)."""
    if violations is None:
        violations = check(product, configuration)
    candidates = _changeable(product, violations)
    found: list[Alternative] = []
    for spec in product.options:
        if candidates is not None and spec.group not in candidates:
            continue
        current = configuration.get(spec.group)
        for code in spec.values:
            if code == current:
                continue
            candidate = {**configuration, spec.group: code}
            if _add(product, candidate, spec.group, quantity, found):
                return tuple(found)
    for group in configuration:
        if group not in product.by_group and (candidates is None or group in candidates):
            candidate = {g: c for g, c in configuration.items() if g != group}
            if _add(product, candidate, group, quantity, found):
                break
    return tuple(found)


def _add(
    product: Product,
    candidate: dict[str, str],
    group: str,
    quantity: int,
    found: list[Alternative],
) -> bool:
    """Append `candidate` when valid; True once the list is full."""
    if is_valid(product, candidate):
        unit = price(product, candidate)
        found.append(Alternative(candidate, group, unit, _cents(unit * quantity)))
    return len(found) >= MAX_ALTERNATIVES


def _changeable(product: Product, violations: Sequence[Violation]) -> set[str] | None:
    """The groups involved in every violation (None: no violation, every group may change). A rule
    violation involves the groups of its `if` and the group it excludes or requires."""
    common: set[str] | None = None
    for violation in violations:
        involved = {violation.group} if violation.group is not None else set()
        if violation.kind in ("excludes", "requires"):
            index = int(violation.rule.removeprefix("rules."))
            involved |= {g for g, _ in product.rules[index].when}
        common = involved if common is None else common & involved
        if not common:
            return set()
    return common


def _rule_violations(product: Product, configuration: Mapping[str, str]) -> list[Violation]:
    triggered: dict[int, _Rule] = {}
    for pair in configuration.items():
        for rule in product.rules_by_pair.get(pair, ()):
            if rule.index not in triggered and all(configuration.get(g) == c for g, c in rule.when):
                triggered[rule.index] = rule
    violations: list[Violation] = []
    for index in sorted(triggered):
        rule = triggered[index]
        condition = _describe(rule.when)
        for group, code in rule.excludes:
            if configuration.get(group) == code:
                violations.append(
                    Violation(
                        f"rules.{index}",
                        "excludes",
                        f"{condition} excludes {group}={code}",
                        group,
                    )
                )
        for group, code in rule.requires:
            if configuration.get(group) != code:
                violations.append(
                    Violation(
                        f"rules.{index}",
                        "requires",
                        f"{condition} requires {group}={code}",
                        group,
                    )
                )
    return violations


def _describe(pairs: Sequence[Pair]) -> str:
    return " and ".join(f"{g}={c}" for g, c in pairs)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
