"""The programme: defaults until an admin changes them, If-Match, validation, who may read it."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest

PROGRAMME = "/v1/loyalty/programme"
DEFAULTS = {
    "earn_rates": {"EUR": "1", "USD": "1"},
    "tiers": [
        {"name": "bronze", "threshold": 0},
        {"name": "silver", "threshold": 1000},
        {"name": "gold", "threshold": 5000},
    ],
    "expiry_days": 365,
}
CHANGED = {
    "earn_rates": {"EUR": "2", "GBP": "0.5"},
    "tiers": [{"name": "member", "threshold": 0}, {"name": "vip", "threshold": 300}],
    "expiry_days": None,
}


def test_the_defaults_apply_until_an_admin_replaces_them(
    client: httpx.Client, admin: dict[str, str], as_role: Callable[..., dict[str, str]]
) -> None:
    first = client.get(PROGRAMME, headers=as_role("agent"))
    assert (first.status_code, first.headers["ETag"]) == (200, '"1"')
    assert first.json() == {**DEFAULTS, "version": 1, "updated_at": None}

    changed = client.put(PROGRAMME, json=CHANGED, headers={**admin, "If-Match": '"1"'})
    assert (changed.status_code, changed.headers["ETag"]) == (200, '"2"'), changed.text
    body = changed.json()
    assert {k: body[k] for k in (*CHANGED, "version")} == {**CHANGED, "version": 2}
    assert body["updated_at"] is not None

    stale = client.put(PROGRAMME, json=DEFAULTS, headers={**admin, "If-Match": '"1"'})
    assert (stale.status_code, stale.json()["current_etag"]) == (412, '"2"')

    # The same programme again is no change: no new version.
    again = client.put(PROGRAMME, json=CHANGED, headers={**admin, "If-Match": '"2"'})
    assert (again.status_code, again.json()["version"]) == (200, 2)
    assert client.get(PROGRAMME, headers=admin).json() == body


def test_only_staff_read_and_only_admins_change_the_programme(
    client: httpx.Client, as_role: Callable[..., dict[str, str]]
) -> None:
    assert client.get(PROGRAMME, headers=as_role("partner")).status_code == 403
    for role in ("manager", "agent", "partner"):
        assert client.put(PROGRAMME, json=DEFAULTS, headers=as_role(role)).status_code == 403
    assert client.get(PROGRAMME).status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"tiers": [{"name": "a", "threshold": 0}, {"name": "b", "threshold": 0}]},
            "body.tiers.1.threshold",
        ),
        (
            {
                "tiers": [
                    {"name": "a", "threshold": 0},
                    {"name": "b", "threshold": 9},
                    {"name": "c", "threshold": 5},
                ]
            },
            "body.tiers.2.threshold",
        ),
        ({"tiers": [{"name": "a", "threshold": 10}]}, "body.tiers.0.threshold"),
        (
            {"tiers": [{"name": "gold", "threshold": 0}, {"name": "Gold", "threshold": 5}]},
            "body.tiers.1.name",
        ),
        ({"tiers": []}, "body.tiers"),
        ({"tiers": [{"name": " ", "threshold": 0}]}, "body.tiers.0.name"),
        ({"tiers": [{"name": "a", "threshold": -1}]}, "body.tiers.0.threshold"),
        ({"earn_rates": {"EUR": "0"}}, "body.earn_rates.EUR"),
        ({"earn_rates": {"EUR": "-1"}}, "body.earn_rates.EUR"),
        ({"earn_rates": {"EUR": "1e3"}}, "body.earn_rates.EUR"),
        ({"earn_rates": {"EUR": 1}}, "body.earn_rates.EUR"),
        ({"earn_rates": {"eur": "1"}}, "body.earn_rates.eur.[key]"),
        ({"expiry_days": 0}, "body.expiry_days"),
        ({"expiry_days": "30"}, "body.expiry_days"),
        ({"points_per_order": 5}, "body.points_per_order"),
    ],
)
def test_an_invalid_programme_is_refused_with_its_field(
    client: httpx.Client, admin: dict[str, str], change: dict[str, Any], field: str
) -> None:
    response = client.put(PROGRAMME, json={**DEFAULTS, **change}, headers=admin)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert client.get(PROGRAMME, headers=admin).json()["version"] == 1


def test_a_programme_without_a_field_is_refused(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    partial = {k: v for k, v in DEFAULTS.items() if k != "expiry_days"}

    response = client.put(PROGRAMME, json=partial, headers=admin)

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.expiry_days"]
