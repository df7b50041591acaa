"""Duplicates and merges over HTTP."""

from collections.abc import Callable
from typing import Any

import httpx

PROBLEM = "https://rapport.dev/problems/"


def test_duplicates_are_scored_and_sorted(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    acme = api.create_contact(
        kind="organization", first_name=None, last_name=None, organization_name="Acme"
    )
    target = api.create_contact(
        organization_id=acme["id"],
        emails=[{"address": "ada@example.com"}],
        phones=[{"number": "+14155550123"}],
    )
    both = api.create_contact(
        first_name="A.",
        last_name="L.",
        emails=[{"address": "ADA@example.com"}],
        phones=[{"number": "415 555 0123"}],
    )
    by_phone = api.create_contact(
        first_name="Someone", last_name="Else", phones=[{"number": "(415) 555-0123"}]
    )
    by_name = api.create_contact(first_name="Ada", last_name="Lovelace", organization_id=acme["id"])
    api.create_contact(first_name="Ada", last_name="Lovelace")  # same name, no organisation
    api.create_contact(first_name="Grace", last_name="Hopper", organization_id=acme["id"])

    response = client.get(f"/v1/contacts/{target['id']}/duplicates", headers=admin)
    assert response.status_code == 200
    found = [(c["contact"]["id"], c["score"], c["reasons"]) for c in response.json()]
    assert found == [
        (both["id"], 0.98, ["email:ada@example.com", "phone:+14155550123"]),
        (by_phone["id"], 0.8, ["phone:+14155550123"]),
        (by_name["id"], 0.6, ["name"]),
    ]


def test_merge_moves_everything_to_the_survivor(
    client: httpx.Client, admin: dict[str, str], api: Any, count: Callable[[str], int]
) -> None:
    survivor = api.create_contact(emails=[{"address": "ada@example.com"}], tags=["vip"])
    duplicate = api.create_contact(
        emails=[{"address": "ada@example.com"}, {"address": "ada@work.com"}],
        phones=[{"number": "+14155550123"}],
        tags=["b2b", "vip"],
    )
    interaction = api.log_interaction(duplicate["id"])
    task = api.create_task(contact_id=duplicate["id"])
    api.set_consent(survivor["id"], "sms", False, "survivor-form")
    api.set_consent(duplicate["id"], "sms", True, "duplicate-form")
    api.set_consent(duplicate["id"], "email_marketing", True, "duplicate-web")

    response = client.post(
        f"/v1/contacts/{survivor['id']}/merge",
        json={"duplicate_id": duplicate["id"]},
        headers={**admin, "If-Match": '"1"'},
    )
    assert response.status_code == 200
    merged = response.json()
    assert merged["id"] == survivor["id"]
    assert merged["version"] == 2
    assert response.headers["ETag"] == '"2"'
    assert merged["emails"] == [
        {"address": "ada@example.com", "label": None},
        {"address": "ada@work.com", "label": None},
    ]
    assert merged["phones"] == [{"number": "+14155550123", "label": None}]
    assert merged["tags"] == ["vip", "b2b"]
    assert count("contact_emails") == 2

    timeline = client.get(f"/v1/contacts/{survivor['id']}/interactions", headers=admin).json()[
        "items"
    ]
    assert [i["id"] for i in timeline] == [interaction["id"]]
    moved_task = client.get(f"/v1/tasks/{task['id']}", headers=admin).json()
    assert (moved_task["contact_id"], moved_task["version"]) == (survivor["id"], 2)

    consents = client.get(f"/v1/contacts/{survivor['id']}/consents", headers=admin).json()
    states = {p["purpose"]: (p["granted"], p["source"]) for p in consents["purposes"]}
    assert states["sms"] == (False, "survivor-form")
    assert states["email_marketing"] == (True, "duplicate-web")
    assert sorted((h["purpose"], h["source"]) for h in consents["history"]) == [
        ("email_marketing", "duplicate-web"),
        ("sms", "duplicate-form"),
        ("sms", "survivor-form"),
    ]


def test_merged_contact_answers_410_with_the_survivor(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    survivor, duplicate = api.create_contact(), api.create_contact(first_name="Dup")
    assert (
        client.post(
            f"/v1/contacts/{survivor['id']}/merge",
            json={"duplicate_id": duplicate["id"]},
            headers=admin,
        ).status_code
        == 200
    )
    dup = f"/v1/contacts/{duplicate['id']}"
    responses = [
        client.get(dup, headers=admin),
        client.patch(dup, json={"first_name": "X"}, headers=admin),
        client.get(f"{dup}/interactions", headers=admin),
        client.post(
            f"{dup}/interactions", json={"channel": "note", "direction": "inbound"}, headers=admin
        ),
        client.get(f"{dup}/consents", headers=admin),
        client.put(f"{dup}/consents/sms", json={"granted": True, "source": "x"}, headers=admin),
        client.get(f"{dup}/duplicates", headers=admin),
        client.post(f"{dup}/merge", json={"duplicate_id": survivor["id"]}, headers=admin),
        client.post(
            f"/v1/contacts/{survivor['id']}/merge",
            json={"duplicate_id": duplicate["id"]},
            headers=admin,
        ),
    ]
    for response in responses:
        assert response.status_code == 410, response.request.url
        problem = response.json()
        assert problem["type"] == PROBLEM + "contact-merged"
        assert problem["survivor_id"] == survivor["id"]
    listed = client.get("/v1/contacts", headers=admin).json()["items"]
    assert [c["id"] for c in listed] == [survivor["id"]]
    task = client.post(
        "/v1/tasks", json={"title": "x", "contact_id": duplicate["id"]}, headers=admin
    )
    assert task.status_code == 422
    assert task.json()["errors"][0]["code"] == "unknown_contact"


def test_chained_merges_point_at_the_final_survivor(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    a, b, c = api.create_contact(), api.create_contact(), api.create_contact()
    assert (
        client.post(
            f"/v1/contacts/{b['id']}/merge", json={"duplicate_id": a["id"]}, headers=admin
        ).status_code
        == 200
    )
    assert (
        client.post(
            f"/v1/contacts/{c['id']}/merge", json={"duplicate_id": b["id"]}, headers=admin
        ).status_code
        == 200
    )
    assert client.get(f"/v1/contacts/{a['id']}", headers=admin).json()["survivor_id"] == c["id"]


def test_merging_an_organisation_moves_its_people(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    keep = api.create_contact(
        kind="organization", first_name=None, last_name=None, organization_name="Acme"
    )
    drop = api.create_contact(
        kind="organization", first_name=None, last_name=None, organization_name="ACME Inc"
    )
    member = api.create_contact(organization_id=drop["id"])
    assert (
        client.post(
            f"/v1/contacts/{keep['id']}/merge", json={"duplicate_id": drop["id"]}, headers=admin
        ).status_code
        == 200
    )
    moved = client.get(f"/v1/contacts/{member['id']}", headers=admin).json()
    assert (moved["organization_id"], moved["version"]) == (keep["id"], 2)


def test_merge_refusals(
    client: httpx.Client, admin: dict[str, str], api: Any, count: Callable[[str], int]
) -> None:
    person = api.create_contact()
    org = api.create_contact(
        kind="organization", first_name=None, last_name=None, organization_name="Acme"
    )
    url = f"/v1/contacts/{person['id']}/merge"
    outbox = count("outbox")

    itself = client.post(url, json={"duplicate_id": person["id"]}, headers=admin)
    assert itself.status_code == 409
    assert itself.json()["type"] == PROBLEM + "merge-conflict"
    other_kind = client.post(url, json={"duplicate_id": org["id"]}, headers=admin)
    assert other_kind.status_code == 409
    unknown = client.post(
        url, json={"duplicate_id": "01900000-0000-7000-8000-000000000000"}, headers=admin
    )
    assert unknown.status_code == 422
    assert [(e["field"], e["code"]) for e in unknown.json()["errors"]] == [
        ("body.duplicate_id", "unknown_contact")
    ]
    stale = client.post(url, json={"duplicate_id": org["id"]}, headers={**admin, "If-Match": '"7"'})
    assert stale.status_code == 412
    assert client.post(url, json={"duplicate_id": "nope"}, headers=admin).status_code == 422
    assert client.post(url, json={}, headers=admin).status_code == 422
    missing = client.post(
        "/v1/contacts/01900000-0000-7000-8000-000000000000/merge",
        json={"duplicate_id": person["id"]},
        headers=admin,
    )
    assert missing.status_code == 404
    assert count("outbox") == outbox
    assert client.get(f"/v1/contacts/{person['id']}", headers=admin).json()["version"] == 1
