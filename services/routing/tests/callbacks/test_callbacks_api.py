"""Scheduling, reading, listing and cancelling callbacks over HTTP: validation, roles, If-Match."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from crm_common.db import utcnow

from .conftest import Callbacks, window

PROBLEM = "application/problem+json"


def test_a_callback_by_phone_is_scheduled_with_location_and_etag(
    http: httpx.Client, cb: Callbacks
) -> None:
    times = window(start_in=600, length=1800)
    response = http.post(
        "/v1/callbacks",
        json={"phone": "(415) 555-0177", "category": "ski", "note": "  Season pass  ", **times},
        headers=cb.admin,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["Location"] == f"/v1/callbacks/{body['id']}"
    assert response.headers["ETag"] == '"1"'
    starts = datetime.fromisoformat(times["window_from"])
    assert {k: v for k, v in body.items() if k not in ("id", "created_at", "updated_at")} == {
        "contact_id": None, "phone": "+14155550177", "category": "ski", "purpose": "service",
        "note": "Season pass", "window_from": body["window_from"], "window_to": body["window_to"],
        "status": "scheduled", "cancel_reason": None, "attempt_count": 0,
        "next_attempt_at": body["window_from"], "agent_id": None, "finished_at": None,
        "version": 1, "attempts": [],
    }  # fmt: skip
    assert datetime.fromisoformat(body["window_from"]) == starts
    assert cb.get(body["id"]) == body
    [event] = cb.events("routing.callback.scheduled.v1")
    assert (event["callback_id"], event["customer_number"], event["category"]) == (
        body["id"], "+14155550177", "ski",
    )  # fmt: skip


def test_a_window_that_started_is_due_at_once(cb: Callbacks) -> None:
    before = utcnow()
    body = cb.create(**window(start_in=-600))
    assert before <= datetime.fromisoformat(body["next_attempt_at"]) <= utcnow()


def test_a_contact_is_called_on_its_number_from_the_read_model(cb: Callbacks) -> None:
    contact_id = cb.contact(phones=("+14155550190", "+14155550180"))
    body = cb.create(phone=None, contact_id=str(contact_id))
    assert (body["contact_id"], body["phone"]) == (str(contact_id), "+14155550180")


def test_a_known_number_is_tied_to_its_contact(cb: Callbacks) -> None:
    contact_id = cb.contact(phones=("+14155550177",))
    assert cb.create()["contact_id"] == str(contact_id)


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"contact_id": "0190c6a0-0000-7000-8000-000000000001"}, "body.phone", "contact_or_phone"),
        ({"phone": None}, "body.phone", "contact_or_phone"),
        ({"phone": "12"}, "body.phone", "invalid_phone"),
        ({"phone": "+1 415 555"}, "body.phone", "invalid_phone"),
        ({"note": "x" * 2001}, "body.note", "string_too_long"),
        ({"note": None}, "body.note", "missing"),
        ({"note": "   "}, "body.note", "string_too_short"),
        ({"category": ""}, "body.category", "string_too_short"),
        ({"window_from": "2030-01-01T10:00:00"}, "body.window_from", "timezone_aware"),
        ({"window_to": "3500-01-01T10:00:00Z"}, "body.window_to", "value_error"),
        ({"priority": 3}, "body.priority", "extra_forbidden"),
    ],
)
def test_bad_requests_are_422_naming_the_field(
    http: httpx.Client, cb: Callbacks, change: dict[str, Any], field: str, code: str
) -> None:
    payload: dict[str, Any] = {"phone": "+14155550177", "note": "n", **window()}
    payload.update(change)
    payload = {k: v for k, v in payload.items() if v is not None}  # None: the field is left out
    response = http.post("/v1/callbacks", json=payload, headers=cb.admin)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    assert cb.rows("callbacks") == 0


def _at(seconds: float, base: datetime | None = None) -> str:
    return ((base or utcnow()) + timedelta(seconds=seconds)).isoformat()


@pytest.mark.parametrize(
    ("times", "field", "code"),
    [
        ((600, 600), "body.window_to", "window_order"),
        ((600, 300), "body.window_to", "window_order"),
        ((-7200, -60), "body.window_to", "window_past"),
        ((0, 7 * 86400 + 60), "body.window_to", "window_too_long"),
        ((91 * 86400, 91 * 86400 + 60), "body.window_from", "window_too_far_ahead"),
    ],
)
def test_bad_windows_are_422(
    http: httpx.Client, cb: Callbacks, times: tuple[float, float], field: str, code: str
) -> None:
    start, end, now = *times, utcnow()
    payload = {"phone": "+14155550177", "note": "n"}
    payload |= {"window_from": _at(start, now), "window_to": _at(end, now)}
    response = http.post("/v1/callbacks", json=payload, headers=cb.admin)
    assert response.status_code == 422, response.text
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    assert cb.rows("callbacks") == 0


def test_every_field_error_is_reported_at_once(http: httpx.Client, cb: Callbacks) -> None:
    payload = {"phone": "nope", "note": "n", "window_from": _at(600), "window_to": _at(60)}
    response = http.post("/v1/callbacks", json=payload, headers=cb.admin)
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("body.phone", "invalid_phone"),
        ("body.window_to", "window_order"),
    ]


def test_an_unknown_contact_or_one_without_a_phone_is_422(cb: Callbacks) -> None:
    unknown = cb.create(422, phone=None, contact_id="0190c6a0-0000-7000-8000-000000000001")
    assert [(e["field"], e["code"]) for e in unknown["errors"]] == [
        ("body.contact_id", "unknown_contact")
    ]
    silent = cb.contact(phones=())
    no_phone = cb.create(422, phone=None, contact_id=str(silent))
    assert [(e["field"], e["code"]) for e in no_phone["errors"]] == [
        ("body.contact_id", "contact_without_phone")
    ]
    assert cb.rows("callbacks") == 0


def test_a_retried_create_with_the_same_key_is_replayed(http: httpx.Client, cb: Callbacks) -> None:
    payload = {"phone": "+14155550177", "note": "n", **window()}
    headers = {**cb.admin, "Idempotency-Key": "k-1"}
    first = http.post("/v1/callbacks", json=payload, headers=headers)
    again = http.post("/v1/callbacks", json=payload, headers=headers)
    other = http.post("/v1/callbacks", json={**payload, "note": "m"}, headers=headers)
    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422)
    assert again.json()["id"] == first.json()["id"]
    assert cb.rows("callbacks") == 1


def test_lists_filter_and_page_through_every_callback_once(
    http: httpx.Client, cb: Callbacks
) -> None:
    contact_id = cb.contact(phones=("+14155550190",))
    soon = cb.create(**window(start_in=60))
    later = cb.create(**window(start_in=7200))
    mine = cb.create(phone=None, contact_id=str(contact_id), **window(start_in=60))
    cancelled = cb.create()
    assert http.post(f"/v1/callbacks/{cancelled['id']}/cancel", headers=cb.admin).status_code == 200

    def ids(**params: Any) -> list[str]:
        response = http.get("/v1/callbacks", params=params, headers=cb.admin)
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["items"]]

    assert ids() == [soon["id"], later["id"], mine["id"], cancelled["id"]]
    assert ids(status="cancelled") == [cancelled["id"]]
    assert ids(contact_id=str(contact_id)) == [mine["id"]]
    assert ids(due_before=_at(3600)) == [soon["id"], mine["id"]]
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = http.get("/v1/callbacks", params=params, headers=cb.admin).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids()
    bad = http.get("/v1/callbacks", params={"status": "lost"}, headers=cb.admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.status"


def test_an_unknown_callback_is_404(http: httpx.Client, cb: Callbacks) -> None:
    missing = "0190c6a0-0000-7000-8000-000000000009"
    for response in (
        http.get(f"/v1/callbacks/{missing}", headers=cb.admin),
        http.post(f"/v1/callbacks/{missing}/cancel", headers=cb.admin),
    ):
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "https://rapport.dev/problems/callback-not-found"
    assert http.get("/v1/callbacks/not-a-uuid", headers=cb.admin).status_code == 422


def test_cancel_honours_if_match_and_is_409_once_finished(
    http: httpx.Client, cb: Callbacks
) -> None:
    created = cb.create()
    url = f"/v1/callbacks/{created['id']}/cancel"
    stale = http.post(url, headers={**cb.admin, "If-Match": '"7"'})
    assert stale.status_code == 412
    response = http.post(url, headers={**cb.admin, "If-Match": '"1"'})
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == '"2"'
    body = response.json()
    assert (body["status"], body["next_attempt_at"], body["version"]) == ("cancelled", None, 2)
    assert body["finished_at"] is not None
    again = http.post(url, headers=cb.admin)
    assert again.status_code == 409
    assert again.json()["type"] == "https://rapport.dev/problems/callback-finished"
    assert again.json()["callback_status"] == "cancelled"
    [event] = cb.events("routing.callback.cancelled.v1")
    assert (event["callback_id"], event["attempt_in_progress"]) == (created["id"], None)


@pytest.mark.parametrize("roles", [("erp",), ("publishable",), ("telephony",), ("partner",)])
def test_callbacks_are_for_staff_and_websites_only(
    http: httpx.Client, cb: Callbacks, role: Callable[..., dict[str, str]], roles: tuple[str, ...]
) -> None:
    created = cb.create()
    headers = role(*roles)
    payload = {"phone": "+14155550177", "note": "n", **window()}
    assert http.post("/v1/callbacks", json=payload, headers=headers).status_code == 403
    assert http.get("/v1/callbacks", headers=headers).status_code == 403
    assert http.get(f"/v1/callbacks/{created['id']}", headers=headers).status_code == 403
    assert http.post(f"/v1/callbacks/{created['id']}/cancel", headers=headers).status_code == 403
    assert http.get("/v1/callbacks").status_code == 401
    assert cb.rows("callbacks") == 1


@pytest.mark.parametrize("roles", [("erp",), ("publishable",), ("website",), ("agent",)])
def test_only_telephony_reports_outcomes(
    http: httpx.Client, cb: Callbacks, role: Callable[..., dict[str, str]], roles: tuple[str, ...]
) -> None:
    created = cb.create()
    response = http.post(
        f"/v1/integrations/telephony/callbacks/{created['id']}/attempts/1",
        json={"outcome": "connected"},
        headers=role(*roles),
    )
    assert response.status_code == 403


def test_a_website_schedules_for_visitors_and_sees_only_its_own(
    http: httpx.Client, cb: Callbacks, role: Callable[..., dict[str, str]]
) -> None:
    shop = role("website", principal_id="shop")
    other = role("website", principal_id="other-shop")
    payload = {"phone": "+14155550177", "note": "Call me about boots", **window()}
    response = http.post("/v1/callbacks", json=payload, headers=shop)
    assert response.status_code == 201, response.text
    ours = response.json()
    staff = cb.create()
    listed = http.get("/v1/callbacks", headers=shop).json()["items"]
    assert [c["id"] for c in listed] == [ours["id"]]
    assert http.get(f"/v1/callbacks/{ours['id']}", headers=shop).status_code == 200
    assert http.get(f"/v1/callbacks/{staff['id']}", headers=shop).status_code == 404
    assert http.get(f"/v1/callbacks/{ours['id']}", headers=other).status_code == 404
    assert http.post(f"/v1/callbacks/{ours['id']}/cancel", headers=other).status_code == 404
    staff_list = http.get("/v1/callbacks", headers=cb.admin).json()["items"]
    assert [c["id"] for c in staff_list] == [ours["id"], staff["id"]]
