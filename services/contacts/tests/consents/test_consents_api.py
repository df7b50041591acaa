"""Consents per purpose over HTTP, with their history."""

from collections.abc import Callable
from typing import Any

import httpx

PROBLEM = "https://rapport.dev/problems/"


def test_set_and_read_consents_with_history(
    client: httpx.Client, admin: dict[str, str], api: Any, count: Callable[[str], int]
) -> None:
    contact = api.create_contact()
    base = f"/v1/contacts/{contact['id']}/consents"
    granted = client.put(
        f"{base}/email_marketing", json={"granted": True, "source": "web-form"}, headers=admin
    )
    assert granted.status_code == 200
    assert granted.headers["ETag"] == '"1"'
    body = granted.json()
    assert (body["purpose"], body["granted"], body["source"], body["version"]) == (
        "email_marketing",
        True,
        "web-form",
        1,
    )
    withdrawn = client.put(
        f"{base}/email_marketing",
        json={"granted": False, "source": "unsubscribe-link"},
        headers=admin,
    )
    assert (withdrawn.json()["granted"], withdrawn.json()["version"]) == (False, 2)
    client.put(f"{base}/sms", json={"granted": True, "source": "call"}, headers=admin)

    overview = client.get(base, headers=admin)
    assert overview.status_code == 200
    data = overview.json()
    assert data["contact_id"] == contact["id"]
    states = {p["purpose"]: (p["granted"], p["source"]) for p in data["purposes"]}
    assert states == {
        "email_marketing": (False, "unsubscribe-link"),
        "sms": (True, "call"),
        "phone": (None, None),
        "profiling": (None, None),
    }
    assert [(h["purpose"], h["granted"], h["source"]) for h in data["history"]] == [
        ("email_marketing", True, "web-form"),
        ("email_marketing", False, "unsubscribe-link"),
        ("sms", True, "call"),
    ]
    times = [h["changed_at"] for h in data["history"]]
    assert times == sorted(times)
    assert count("consent_changes") == 3


def test_repeating_the_same_consent_changes_nothing(
    client: httpx.Client, admin: dict[str, str], api: Any, count: Callable[[str], int]
) -> None:
    contact = api.create_contact()
    url = f"/v1/contacts/{contact['id']}/consents/phone"
    first = client.put(url, json={"granted": True, "source": "call"}, headers=admin).json()
    outbox = count("outbox")
    again = client.put(url, json={"granted": True, "source": "call"}, headers=admin).json()
    assert again == first
    assert count("consent_changes") == 1
    assert count("outbox") == outbox


def test_if_match_on_consents(client: httpx.Client, admin: dict[str, str], api: Any) -> None:
    contact = api.create_contact()
    url = f"/v1/contacts/{contact['id']}/consents/sms"
    assert (
        client.put(
            url, json={"granted": True, "source": "a"}, headers={**admin, "If-Match": '"0"'}
        ).status_code
        == 200
    )
    stale = client.put(
        url, json={"granted": False, "source": "b"}, headers={**admin, "If-Match": '"0"'}
    )
    assert stale.status_code == 412
    assert (
        client.put(
            url, json={"granted": False, "source": "b"}, headers={**admin, "If-Match": '"1"'}
        ).status_code
        == 200
    )


def test_bad_consent_input_is_422(
    client: httpx.Client, admin: dict[str, str], api: Any, count: Callable[[str], int]
) -> None:
    contact = api.create_contact()
    base = f"/v1/contacts/{contact['id']}/consents"
    cases = [
        ("carrier_pigeon", {"granted": True, "source": "x"}, "path.purpose", "enum"),
        ("sms", {"granted": "yes", "source": "x"}, "body.granted", "bool_type"),
        ("sms", {"granted": True}, "body.source", "missing"),
        ("sms", {"granted": True, "source": ""}, "body.source", "string_too_short"),
        ("sms", {"granted": True, "source": "x", "note": 1}, "body.note", "extra_forbidden"),
    ]
    for purpose, body, field, code in cases:
        response = client.put(f"{base}/{purpose}", json=body, headers=admin)
        assert response.status_code == 422, body
        assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    assert count("consents") == 0
    assert count("consent_changes") == 0


def test_unknown_contact_is_404(client: httpx.Client, admin: dict[str, str]) -> None:
    base = "/v1/contacts/01900000-0000-7000-8000-000000000000/consents"
    for response in (
        client.get(base, headers=admin),
        client.put(f"{base}/sms", json={"granted": True, "source": "x"}, headers=admin),
    ):
        assert response.status_code == 404
        assert response.json()["type"] == PROBLEM + "contact-not-found"
