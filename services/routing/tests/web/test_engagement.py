"""Engagement rules without a database."""

from datetime import UTC, datetime, timedelta

from crm_routing.web.engagement import (
    Page,
    Rule,
    Step,
    default_rules,
    depth,
    dominant_category,
    engaging_rule,
    fewest_pages,
    holds,
    may_hold,
    url_path,
)

T0 = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)


def pages(*specs: tuple[str, str | None], step_seconds: int = 10) -> list[Page]:
    return [
        Page(path, category, T0 + timedelta(seconds=i * step_seconds))
        for i, (path, category) in enumerate(specs)
    ]


def test_the_default_engages_at_the_fifth_page_view() -> None:
    rules = default_rules(5)
    views = pages(*[("/", None)] * 5)
    assert engaging_rule(rules, views[:4]) is None
    assert engaging_rule(rules, views) == Rule(name="default", kind="pages", threshold=5)


def test_depth_counts_path_segments() -> None:
    assert [depth(p) for p in ("/", "/ski", "/ski/alps/", "/ski/alps/chalets")] == [0, 1, 2, 3]
    assert url_path("https://shop.example.com/ski/alps?x=1#top") == "/ski/alps"
    assert url_path("https://shop.example.com") == "/"
    rule = Rule(name="deep", kind="depth", threshold=3)
    assert not holds(rule, pages(("/ski/alps", None)))
    assert holds(rule, pages(("/", None), ("/ski/alps/chalets", None)))


def test_time_on_site_is_from_the_first_to_the_latest_page() -> None:
    rule = Rule(name="dwell", kind="time", threshold=120)
    assert not holds(rule, pages(("/a", None), ("/b", None), step_seconds=60))
    assert holds(rule, pages(("/a", None), ("/b", None), ("/c", None), step_seconds=60))


def test_a_sequence_matches_in_order_with_other_pages_between() -> None:
    rule = Rule(
        name="shopping",
        kind="sequence",
        steps=(Step(category="product"), Step(category="product"), Step(url="/prices*")),
    )
    assert holds(
        rule,
        pages(("/p/1", "product"), ("/blog", None), ("/p/2", "product"), ("/prices/ski", None)),
    )
    assert not holds(rule, pages(("/prices", None), ("/p/1", "product"), ("/p/2", "product")))
    assert not holds(rule, pages(("/p/1", "product"), ("/prices", None)))


def test_a_step_with_url_and_category_needs_both() -> None:
    step = Step(url="/ski/*", category="ski")
    rule = Rule(name="ski", kind="sequence", steps=(step,))
    assert not holds(rule, pages(("/ski/alps", "golf")))
    assert not holds(rule, pages(("/golf/x", "ski")))
    assert holds(rule, pages(("/ski/alps", "ski")))


def test_the_first_rule_that_holds_wins() -> None:
    deep = Rule(name="deep", kind="depth", threshold=2)
    many = Rule(name="many", kind="pages", threshold=2)
    views = pages(("/a/b", None), ("/c", None))
    assert engaging_rule([deep, many], views) == deep
    assert engaging_rule([many, deep], views) == many
    assert engaging_rule([deep], []) is None


def test_the_dominant_category_is_the_most_viewed() -> None:
    views = pages(("/a", "golf"), ("/b", "ski"), ("/c", "ski"), ("/d", None))
    assert dominant_category(views) == "ski"
    assert dominant_category(pages(("/a", "ski"), ("/b", "golf"))) == "golf"
    assert dominant_category(pages(("/a", None))) is None


def test_pages_are_read_only_when_a_rule_can_hold() -> None:
    pages = Rule(name="p", kind="pages", threshold=5)
    time_ = Rule(name="t", kind="time", threshold=60)
    sequence = Rule(name="s", kind="sequence", steps=(Step(url="/a"), Step(url="/b")))
    depth_ = Rule(name="d", kind="depth", threshold=3)
    assert [fewest_pages(r) for r in (pages, time_, sequence, depth_)] == [5, 2, 2, 1]
    assert not may_hold([pages], 4) and may_hold([pages], 5)
    assert not may_hold([pages, time_], 1) and may_hold([pages, time_], 2)
    assert may_hold([depth_], 1)
    # Never skips a session a rule would engage: below fewest_pages no rule holds.
    for rule in (pages, time_, sequence):
        views = [Page("/a", None, T0), Page("/b", None, T0 + timedelta(seconds=90))]
        assert not holds(rule, views[: fewest_pages(rule) - 1])
