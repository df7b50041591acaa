"""Pipelines over HTTP: the default one, creating, changing and reading others."""

from collections.abc import Callable
from typing import Any

import httpx

PROBLEM = "https://rapport.dev/problems/"
DEFAULT_ID = "00000000-0000-7000-8000-000000000001"
UNKNOWN_ID = "01900000-0000-7000-8000-000000000000"
DEFAULT_STAGES = [
    {"name": "initiation", "probability": 10, "kind": "open"},
    {"name": "identification", "probability": 20, "kind": "open"},
    {"name": "qualification", "probability": 40, "kind": "open"},
    {"name": "rfq_received", "probability": 60, "kind": "open"},
    {"name": "quote_sent", "probability": 80, "kind": "open"},
    {"name": "won", "probability": 100, "kind": "won"},
    {"name": "lost", "probability": 0, "kind": "lost"},
]
TOUR_STAGES = [
    {"name": "enquiry", "probability": 10, "kind": "open"},
    {"name": "offer", "probability": 50, "kind": "open"},
    {"name": "booked", "probability": 100, "kind": "won"},
    {"name": "cancelled", "probability": 0, "kind": "lost"},
]


def test_the_default_pipeline_exists(
    client: httpx.Client, as_role: Callable[..., dict[str, str]]
) -> None:
    response = client.get(f"/v1/pipelines/{DEFAULT_ID}", headers=as_role("partner"))
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["is_default"], body["stages"], body["version"]) == (
        "Default",
        True,
        DEFAULT_STAGES,
        1,
    )
    assert response.headers["ETag"] == '"1"'
    listed = client.get("/v1/pipelines", headers=as_role("agent")).json()
    assert [p["id"] for p in listed["items"]] == [DEFAULT_ID]
    assert listed["next_cursor"] is None


def test_create_read_and_page_pipelines(
    client: httpx.Client, admin: dict[str, str], as_role: Callable[..., dict[str, str]]
) -> None:
    response = client.post(
        "/v1/pipelines", json={"name": "Tours", "stages": TOUR_STAGES}, headers=as_role("manager")
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["Location"] == f"/v1/pipelines/{created['id']}"
    assert response.headers["ETag"] == '"1"'
    assert (created["name"], created["is_default"], created["stages"]) == (
        "Tours",
        False,
        TOUR_STAGES,
    )
    assert client.get(f"/v1/pipelines/{created['id']}", headers=admin).json() == created
    second = client.post(
        "/v1/pipelines", json={"name": "Other", "stages": TOUR_STAGES}, headers=admin
    ).json()
    first_page = client.get("/v1/pipelines", params={"limit": 2}, headers=admin).json()
    assert [p["id"] for p in first_page["items"]] == [DEFAULT_ID, created["id"]]
    last_page = client.get(
        "/v1/pipelines", params={"limit": 2, "cursor": first_page["next_cursor"]}, headers=admin
    ).json()
    assert ([p["id"] for p in last_page["items"]], last_page["next_cursor"]) == (
        [second["id"]],
        None,
    )


def test_bad_pipelines_are_refused_and_nothing_is_written(
    client: httpx.Client, admin: dict[str, str], count: Callable[[str], int]
) -> None:
    won_first = [TOUR_STAGES[2], TOUR_STAGES[0], TOUR_STAGES[3]]
    cases: list[tuple[dict[str, Any], list[tuple[str, str]]]] = [
        (
            {"name": "x", "stages": [*TOUR_STAGES, TOUR_STAGES[3]]},
            [("body.stages.4.name", "duplicate_stage")],
        ),
        (
            {"name": "x", "stages": won_first},
            [
                ("body.stages.0.kind", "first_stage_closed"),
                ("body.stages.1.kind", "open_after_closed"),
            ],
        ),
        (
            {"name": "x", "stages": TOUR_STAGES[:2] + TOUR_STAGES[3:]},
            [("body.stages", "no_won_stage")],
        ),
        (
            {"name": "x", "stages": [{**TOUR_STAGES[0], "kind": "maybe"}, *TOUR_STAGES[1:]]},
            [("body.stages.0.kind", "literal_error")],
        ),
        (
            {"name": "x", "stages": [{**TOUR_STAGES[0], "probability": 101}, *TOUR_STAGES[1:]]},
            [("body.stages.0.probability", "less_than_equal")],
        ),
        ({"name": "x", "stages": TOUR_STAGES[:2]}, [("body.stages", "too_short")]),
        ({"name": "", "stages": TOUR_STAGES}, [("body.name", "string_too_short")]),
        ({"name": "x\u0000", "stages": TOUR_STAGES}, [("body.name", "value_error")]),
        ({"name": "x", "stages": TOUR_STAGES, "color": "red"}, [("body.color", "extra_forbidden")]),
    ]
    for body, expected in cases:
        response = client.post("/v1/pipelines", json=body, headers=admin)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
        assert [(e["field"], e["code"]) for e in response.json()["errors"]] == expected, body
    malformed = client.post(
        "/v1/pipelines",
        content=b'{"name": ',
        headers={**admin, "Content-Type": "application/json"},
    )
    assert malformed.status_code == 400
    assert malformed.json()["type"] == PROBLEM + "malformed-json"
    taken = client.post(
        "/v1/pipelines", json={"name": "Default", "stages": TOUR_STAGES}, headers=admin
    )
    assert taken.status_code == 409
    assert taken.json()["type"] == PROBLEM + "pipeline-name-taken"
    assert count("pipelines") == 1


def test_making_another_pipeline_the_default(client: httpx.Client, admin: dict[str, str]) -> None:
    tours = client.post(
        "/v1/pipelines",
        json={"name": "Tours", "stages": TOUR_STAGES, "is_default": True},
        headers=admin,
    ).json()
    assert tours["is_default"] is True
    assert client.get(f"/v1/pipelines/{DEFAULT_ID}", headers=admin).json()["is_default"] is False
    response = client.patch(f"/v1/pipelines/{DEFAULT_ID}", json={"is_default": True}, headers=admin)
    assert (response.status_code, response.json()["is_default"]) == (200, True)
    assert client.get(f"/v1/pipelines/{tours['id']}", headers=admin).json()["is_default"] is False
    unset = client.patch(f"/v1/pipelines/{DEFAULT_ID}", json={"is_default": False}, headers=admin)
    assert unset.status_code == 409
    assert unset.json()["type"] == PROBLEM + "default-pipeline-required"


def test_patch_honours_if_match_and_keeps_stages_in_use(
    client: httpx.Client, admin: dict[str, str], sales: Any
) -> None:
    pipeline = sales.create_pipeline(name="Tours", stages=TOUR_STAGES)
    url = f"/v1/pipelines/{pipeline['id']}"
    renamed = client.patch(url, json={"name": "Trips"}, headers={**admin, "If-Match": '"1"'})
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["version"], renamed.headers["ETag"]) == (
        "Trips",
        2,
        '"2"',
    )
    stale = client.patch(url, json={"name": "Voyages"}, headers={**admin, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert client.get(url, headers=admin).json()["name"] == "Trips"
    unchanged = client.patch(url, json={"name": "Trips"}, headers=admin)
    assert unchanged.json()["version"] == 2

    sales.create_opportunity(pipeline_id=pipeline["id"])
    without_enquiry = [{"name": "lead", "probability": 5, "kind": "open"}, *TOUR_STAGES[1:]]
    in_use = client.patch(url, json={"stages": without_enquiry}, headers=admin)
    assert in_use.status_code == 409
    assert (in_use.json()["type"], in_use.json()["stages"]) == (
        PROBLEM + "stage-in-use",
        ["enquiry"],
    )
    more = [
        TOUR_STAGES[0],
        TOUR_STAGES[1],
        {"name": "deposit", "probability": 70, "kind": "open"},
        *TOUR_STAGES[2:],
    ]
    grown = client.patch(url, json={"stages": more}, headers=admin)
    assert grown.status_code == 200
    assert [s["name"] for s in grown.json()["stages"]] == [
        "enquiry",
        "offer",
        "deposit",
        "booked",
        "cancelled",
    ]
    for body in ({"name": None}, {"stages": []}, {"is_default": "maybe"}):
        assert client.patch(url, json=body, headers=admin).status_code == 422
    taken = client.patch(url, json={"name": "Default"}, headers=admin)
    assert taken.status_code == 409


def test_unknown_or_malformed_pipeline_ids(client: httpx.Client, admin: dict[str, str]) -> None:
    for response in (
        client.get(f"/v1/pipelines/{UNKNOWN_ID}", headers=admin),
        client.patch(f"/v1/pipelines/{UNKNOWN_ID}", json={"name": "x"}, headers=admin),
    ):
        assert response.status_code == 404
        assert response.json()["type"] == PROBLEM + "pipeline-not-found"
    bad = client.get("/v1/pipelines/nope", headers=admin)
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["path.pipeline_id"]


def test_idempotent_creation(
    client: httpx.Client, admin: dict[str, str], count: Callable[[str], int]
) -> None:
    headers = {**admin, "Idempotency-Key": "pipe-1"}
    body = {"name": "Tours", "stages": TOUR_STAGES}
    first = client.post("/v1/pipelines", json=body, headers=headers)
    again = client.post("/v1/pipelines", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = client.post("/v1/pipelines", json={**body, "name": "Trips"}, headers=headers)
    assert other.status_code == 422
    assert other.json()["type"] == PROBLEM + "idempotency-key-reused"
    assert count("pipelines") == 2


def test_only_admins_and_managers_configure_pipelines(
    client: httpx.Client, as_role: Callable[..., dict[str, str]], count: Callable[[str], int]
) -> None:
    body = {"name": "Tours", "stages": TOUR_STAGES}
    for role in ("agent", "partner", "website", "erp", "telephony"):
        headers = as_role(role)
        assert client.post("/v1/pipelines", json=body, headers=headers).status_code == 403
        patched = client.patch(f"/v1/pipelines/{DEFAULT_ID}", json={"name": "x"}, headers=headers)
        assert patched.status_code == 403
    for role in ("website", "erp", "telephony"):
        assert client.get("/v1/pipelines", headers=as_role(role)).status_code == 403
    assert client.get("/v1/pipelines").status_code == 401
    assert count("pipelines") == 1
