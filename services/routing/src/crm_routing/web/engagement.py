"""When a web session is engaged, without I/O.

A rule looks at a session's page views in the order they happened:
- `depth`: a page at least `threshold` path segments deep (`/ski/alps/chalets` is 3),
- `pages`: at least `threshold` page views,
- `time`: at least `threshold` seconds between the first and the latest page view,
- `sequence`: the `steps` in order, other pages allowed in between; a step matches a page by its
  category, its URL path (a glob: `/products/*`), or both.
A session is engaged by the first rule (in the order given) that holds. Without configured rules the
default is `pages` at the fifth page view.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Literal
from urllib.parse import urlsplit

from crm_routing.calls.choice import history_category

RuleKind = Literal["depth", "pages", "time", "sequence"]


@dataclass(frozen=True)
class Page:
    path: str
    category: str | None
    occurred_at: datetime


@dataclass(frozen=True)
class Step:
    url: str | None = None
    category: str | None = None


@dataclass(frozen=True)
class Rule:
    name: str
    kind: RuleKind
    threshold: int = 0
    steps: tuple[Step, ...] = ()


def url_path(url: str) -> str:
    """The path of an absolute URL or of a path, `/` when empty."""
    return urlsplit(url).path or "/"


def depth(path: str) -> int:
    """Path segments: `/` is 0, `/ski/alps/` is 2."""
    return len([segment for segment in path.split("/") if segment])


def step_matches(step: Step, page: Page) -> bool:
    if step.category is not None and page.category != step.category:
        return False
    return step.url is None or fnmatchcase(page.path, step.url)


def _sequence_holds(steps: Sequence[Step], pages: Sequence[Page]) -> bool:
    remaining = iter(pages)
    return all(any(step_matches(step, page) for page in remaining) for step in steps)


def holds(rule: Rule, pages: Sequence[Page]) -> bool:
    """Whether `rule` holds for `pages` (in the order they were viewed)."""
    if not pages:
        return False
    if rule.kind == "pages":
        return len(pages) >= rule.threshold
    if rule.kind == "depth":
        return any(depth(page.path) >= rule.threshold for page in pages)
    if rule.kind == "time":
        first, last = pages[0].occurred_at, max(page.occurred_at for page in pages)
        return (last - first).total_seconds() >= rule.threshold
    return bool(rule.steps) and _sequence_holds(rule.steps, pages)


def fewest_pages(rule: Rule) -> int:
    """The fewest page views for which `rule` can hold."""
    if rule.kind == "pages":
        return max(rule.threshold, 1)
    if rule.kind == "time":
        return 2 if rule.threshold > 0 else 1
    if rule.kind == "sequence":
        return max(len(rule.steps), 1)
    return 1


def may_hold(rules: Sequence[Rule], page_views: int) -> bool:
    """Whether any of `rules` can hold for a session with `page_views` pages (its pages need
    reading only then)."""
    return any(page_views >= fewest_pages(rule) for rule in rules)


def default_rules(engage_at_page_views: int) -> list[Rule]:
    return [Rule(name="default", kind="pages", threshold=engage_at_page_views)]


def engaging_rule(rules: Sequence[Rule], pages: Sequence[Page]) -> Rule | None:
    """The first rule that holds, or None."""
    return next((rule for rule in rules if holds(rule, pages)), None)


def dominant_category(pages: Sequence[Page]) -> str | None:
    """The category viewed most often (ties by name), or None."""
    return history_category(Counter(p.category for p in pages if p.category is not None))
