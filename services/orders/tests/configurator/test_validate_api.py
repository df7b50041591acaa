"""`POST /v1/configurations/validate` on a real server and database."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest

PROBLEM = "https://rapport.dev/problems/"
URL = "/v1/configurations/validate"


def test_a_valid_configuration_is_priced(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    product = api.create_product()
    response = client.post(
        URL,
        json={
            "product_id": product["id"],
            "options": {"fixture": "F2", "lamp": "L2"},
            "quantity": 3,
        },
        headers=admin,
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["valid"], result["unit_price"], result["total"], result["currency"]) == (
        True,
        "125.50",
        "376.50",
        "EUR",
    )
    assert result["violations"] == []
    assert result["alternatives"][0] == {
        "options": {"fixture": "F1", "lamp": "L2"},
        "changed_group": "fixture",
        "unit_price": "105.50",
        "total": "316.50",
    }


def test_an_invalid_configuration_lists_each_violation_and_valid_neighbours(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    product = api.create_product()
    response = client.post(
        URL,
        json={"product_id": product["id"], "options": {"fixture": "F2", "lamp": "L3"}},
        headers=admin,
    )
    result = response.json()
    assert (result["valid"], result["unit_price"], result["total"]) == (False, None, None)
    assert result["violations"] == [
        {"rule": "rules.0", "kind": "excludes", "message": "fixture=F2 excludes lamp=L3"},
        {"rule": "rules.1", "kind": "requires", "message": "lamp=L3 requires ballast=B2"},
    ]
    assert [(a["options"], a["total"]) for a in result["alternatives"]] == [
        ({"fixture": "F2", "lamp": "L1"}, "120.00"),
        ({"fixture": "F2", "lamp": "L2"}, "125.50"),
    ]


def test_missing_and_unknown_options(client: httpx.Client, admin: dict[str, str], api: Any) -> None:
    product = api.create_product()
    response = client.post(
        URL,
        json={"product_id": product["id"], "options": {"lamp": "L9", "colour": "red"}},
        headers=admin,
    )
    assert [(v["rule"], v["kind"]) for v in response.json()["violations"]] == [
        ("options.lamp", "unknown_value"),
        ("options.colour", "unknown_group"),
        ("options.fixture", "missing_required"),
    ]


def test_a_product_not_on_sale_is_never_valid(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    product = api.create_product(active=False)
    result = client.post(
        URL,
        json={"product_id": product["id"], "options": {"fixture": "F1", "lamp": "L1"}},
        headers=admin,
    ).json()
    assert (result["valid"], result["total"], result["alternatives"]) == (False, None, [])
    assert result["violations"][0]["kind"] == "inactive_product"


def test_unknown_product_is_404(client: httpx.Client, admin: dict[str, str]) -> None:
    response = client.post(
        URL, json={"product_id": "0190f0c4-1a2b-7c3d-8e4f-001122334455"}, headers=admin
    )
    assert response.status_code == 404
    assert response.json()["type"] == PROBLEM + "product-not-found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quantity": 0}, "body.quantity"),
        ({"quantity": -2}, "body.quantity"),
        ({"quantity": "many"}, "body.quantity"),
        ({"product_id": "nope"}, "body.product_id"),
        ({"options": {"lamp": 3}}, "body.options.lamp"),
        ({"options": ["lamp"]}, "body.options"),
    ],
)
def test_bad_input_is_422(
    client: httpx.Client, admin: dict[str, str], api: Any, body: dict[str, Any], field: str
) -> None:
    product = api.create_product()
    response = client.post(URL, json={"product_id": product["id"], **body}, headers=admin)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


def test_malformed_json_is_400(client: httpx.Client, admin: dict[str, str]) -> None:
    response = client.post(URL, content=b"{", headers={**admin, "Content-Type": "application/json"})
    assert response.status_code == 400


@pytest.mark.parametrize(("role", "status"), [("website", 200), ("partner", 200), ("erp", 403)])
def test_who_may_validate(
    client: httpx.Client,
    api: Any,
    as_role: Callable[..., dict[str, str]],
    role: str,
    status: int,
) -> None:
    product = api.create_product()
    response = client.post(URL, json={"product_id": product["id"]}, headers=as_role(role))
    assert response.status_code == status
