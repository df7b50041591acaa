"""Which event types a subscription names: exact known types, or a prefix ending in `*`
(`orders.order.*`; `*` alone is every type). Pure, no I/O."""

from collections.abc import Iterable

# Importing the payload modules registers every type the services publish.
from crm_common.events import all_payload_types, contacts, orders, routing

TOPICS = (contacts.TOPIC, orders.TOPIC, routing.TOPIC)
WILDCARD = "*"
MAX_PATTERN_LENGTH = 200


def known_types() -> list[str]:
    """Every event type of crm_common, sorted."""
    return list(all_payload_types())


def matches(pattern: str, event_type: str) -> bool:
    if pattern.endswith(WILDCARD):
        return event_type.startswith(pattern[: -len(WILDCARD)])
    return event_type == pattern


def matches_any(patterns: Iterable[str], event_type: str) -> bool:
    return any(matches(pattern, event_type) for pattern in patterns)


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` names no event (None when it names at least one known type)."""
    if WILDCARD in pattern[:-1]:
        return "a `*` may only end a pattern"
    if not any(matches(pattern, known) for known in known_types()):
        if pattern.endswith(WILDCARD):
            return "matches no known event type"
        return "is not a known event type"
    return None


def exact_and_prefixes(patterns: Iterable[str]) -> tuple[list[str], list[str]]:
    """The exact types and the wildcard prefixes among `patterns` (for SQL filters)."""
    exact = [p for p in patterns if not p.endswith(WILDCARD)]
    prefixes = [p[: -len(WILDCARD)] for p in patterns if p.endswith(WILDCARD)]
    return exact, prefixes
