"""Contacts over HTTP: create, read, update, list and search, on a real server and database."""

from collections.abc import Callable
from typing import Any

import httpx

PROBLEM = "https://rapport.dev/problems/"
Count = Callable[[str], int]


def test_create_person_normalises_contact_points(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    body = {
        "kind": "person",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "emails": [
            {"address": "Ada@Example.COM", "label": "work"},
            {"address": "ada@example.com", "label": "again"},
        ],
        "phones": [{"number": "(415) 555-0123", "label": "mobile"}],
        "owner_id": "agent-7",
        "tags": ["vip", "newsletter", "vip"],
        "attributes": {"shoe_size": 38, "source": {"campaign": "spring"}},
        "rating": 5,
        "staff_comments": "Prefers mornings",
    }
    response = client.post("/v1/contacts", json=body, headers=admin)
    assert response.status_code == 201
    created = response.json()
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"/v1/contacts/{created['id']}"
    assert created["version"] == 1
    assert created["lifecycle_stage"] == "lead"
    assert created["emails"] == [{"address": "ada@example.com", "label": "work"}]
    assert created["phones"] == [{"number": "+14155550123", "label": "mobile"}]
    assert created["tags"] == ["vip", "newsletter"]
    assert created["attributes"] == {"shoe_size": 38, "source": {"campaign": "spring"}}
    assert created["rating"] == 5
    assert created["staff_comments"] == "Prefers mornings"
    assert created["created_at"] == created["updated_at"]
    assert created["created_at"].endswith("Z")

    fetched = client.get(f"/v1/contacts/{created['id']}", headers=admin)
    assert fetched.status_code == 200
    assert fetched.headers["ETag"] == '"1"'
    assert fetched.json() == created


def test_create_organization(client: httpx.Client, admin: dict[str, str]) -> None:
    response = client.post(
        "/v1/contacts",
        json={"kind": "organization", "organization_name": "Acme", "lifecycle_stage": "customer"},
        headers=admin,
    )
    assert response.status_code == 201
    org = response.json()
    assert (org["kind"], org["organization_name"], org["lifecycle_stage"]) == (
        "organization",
        "Acme",
        "customer",
    )
    member = client.post(
        "/v1/contacts",
        json={"kind": "person", "last_name": "Coyote", "organization_id": org["id"]},
        headers=admin,
    )
    assert member.status_code == 201
    assert member.json()["organization_id"] == org["id"]


def assert_validation(
    response: httpx.Response, fields: list[str], codes: list[str] | None = None
) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == PROBLEM + "validation-error"
    assert [e["field"] for e in problem["errors"]] == fields
    if codes is not None:
        assert [e["code"] for e in problem["errors"]] == codes


def test_bad_phone_and_email_are_422_with_field_paths(
    client: httpx.Client, admin: dict[str, str], count: Count
) -> None:
    response = client.post(
        "/v1/contacts",
        json={
            "kind": "person",
            "first_name": "Ada",
            "emails": [{"address": "ada@example.com"}, {"address": "not-an-email"}],
            "phones": [{"number": "+14155550123"}, {"number": "555"}],
        },
        headers=admin,
    )
    assert_validation(
        response,
        ["body.emails.1.address", "body.phones.1.number"],
        ["invalid_email", "invalid_phone"],
    )
    assert count("contacts") == 0
    assert count("contact_emails") == 0
    assert count("outbox") == 0


def test_names_are_required_by_kind(
    client: httpx.Client, admin: dict[str, str], count: Count
) -> None:
    person = client.post(
        "/v1/contacts", json={"kind": "person", "organization_name": "Acme"}, headers=admin
    )
    assert_validation(person, ["body.first_name"], ["name_required"])
    org = client.post(
        "/v1/contacts", json={"kind": "organization", "first_name": "Ada"}, headers=admin
    )
    assert_validation(org, ["body.organization_name"], ["organization_name_required"])
    assert count("contacts") == 0


def test_unknown_organization_is_422(client: httpx.Client, admin: dict[str, str], api: Any) -> None:
    person = api.create_contact()
    response = client.post(
        "/v1/contacts",
        json={"kind": "person", "first_name": "Bo", "organization_id": person["id"]},
        headers=admin,
    )
    assert_validation(response, ["body.organization_id"], ["unknown_organization"])


def test_schema_violations_are_422(
    client: httpx.Client, admin: dict[str, str], count: Count
) -> None:
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"kind": "robot", "first_name": "R2"}, "body.kind", "literal_error"),
        (
            {"kind": "person", "first_name": "A", "lifecycle_stage": "vip"},
            "body.lifecycle_stage",
            "literal_error",
        ),
        ({"kind": "person", "first_name": "A" * 201}, "body.first_name", "string_too_long"),
        ({"kind": "person", "first_name": "   "}, "body.first_name", "string_too_short"),
        ({"kind": "person", "first_name": "A", "rating": 6}, "body.rating", "less_than_equal"),
        ({"kind": "person", "first_name": "A", "rating": 0}, "body.rating", "greater_than_equal"),
        (
            {"kind": "person", "first_name": "A", "tags": ["x" * 65]},
            "body.tags.0",
            "string_too_long",
        ),
        (
            {"kind": "person", "first_name": "A", "tags": [f"t{i}" for i in range(51)]},
            "body.tags",
            "too_long",
        ),
        (
            {
                "kind": "person",
                "first_name": "A",
                "emails": [{"address": f"a{i}@x.com"} for i in range(21)],
            },
            "body.emails",
            "too_long",
        ),
        (
            {"kind": "person", "first_name": "A", "phones": [{"number": "+14155550123"}] * 21},
            "body.phones",
            "too_long",
        ),
        (
            {"kind": "person", "first_name": "A", "attributes": {f"k{i}": i for i in range(101)}},
            "body.attributes",
            "too_long",
        ),
        (
            {"kind": "person", "first_name": "A", "attributes": [1, 2]},
            "body.attributes",
            "dict_type",
        ),
        (
            {"kind": "person", "first_name": "A", "attributes": {"k": "a\u0000b"}},
            "body.attributes",
            "value_error",
        ),
        ({"kind": "person", "first_name": "A\u0000"}, "body.first_name", "value_error"),
        (
            {"kind": "person", "first_name": "A", "nickname": "Addy"},
            "body.nickname",
            "extra_forbidden",
        ),
        (
            {"kind": "person", "first_name": "A", "emails": [{"address": "a@x.com", "x": 1}]},
            "body.emails.0.x",
            "extra_forbidden",
        ),
        ({"first_name": "A"}, "body.kind", "missing"),
    ]
    for body, field, code in cases:
        assert_validation(client.post("/v1/contacts", json=body, headers=admin), [field], [code])
    assert count("contacts") == 0


def test_malformed_json_is_400(client: httpx.Client, admin: dict[str, str], count: Count) -> None:
    response = client.post(
        "/v1/contacts",
        content=b'{"kind": "person", "first_name": ',
        headers={**admin, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["type"] == PROBLEM + "malformed-json"
    assert count("contacts") == 0


def test_bad_uuid_in_path_is_422(client: httpx.Client, admin: dict[str, str]) -> None:
    response = client.get("/v1/contacts/not-a-uuid", headers=admin)
    assert_validation(response, ["path.contact_id"], ["uuid_parsing"])


def test_unknown_contact_is_404(client: httpx.Client, admin: dict[str, str]) -> None:
    missing = "01900000-0000-7000-8000-000000000000"
    for response in (
        client.get(f"/v1/contacts/{missing}", headers=admin),
        client.patch(f"/v1/contacts/{missing}", json={"first_name": "X"}, headers=admin),
    ):
        assert response.status_code == 404
        assert response.json()["type"] == PROBLEM + "contact-not-found"


def test_patch_applies_only_sent_fields_and_bumps_version(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    contact = api.create_contact(owner_id="agent-1", tags=["a"], attributes={"x": 1})
    response = client.patch(
        f"/v1/contacts/{contact['id']}",
        json={"first_name": "Augusta", "owner_id": None, "lifecycle_stage": "prospect"},
        headers={**admin, "If-Match": '"1"'},
    )
    assert response.status_code == 200
    updated = response.json()
    assert response.headers["ETag"] == '"2"'
    assert updated["version"] == 2
    assert (updated["first_name"], updated["last_name"], updated["owner_id"]) == (
        "Augusta",
        "Lovelace",
        None,
    )
    assert updated["lifecycle_stage"] == "prospect"
    assert updated["tags"] == ["a"]
    assert updated["attributes"] == {"x": 1}
    assert updated["updated_at"] > contact["updated_at"]
    assert client.get(f"/v1/contacts/{contact['id']}", headers=admin).json() == updated


def test_patch_replaces_contact_point_lists(
    client: httpx.Client, admin: dict[str, str], api: Any, count: Count
) -> None:
    contact = api.create_contact(
        emails=[{"address": "a@x.com"}, {"address": "b@x.com"}], phones=[{"number": "+14155550123"}]
    )
    response = client.patch(
        f"/v1/contacts/{contact['id']}",
        json={
            "emails": [{"address": "C@X.com", "label": "new"}],
            "phones": [],
            "tags": ["t2", "t1"],
        },
        headers=admin,
    )
    assert response.status_code == 200
    updated = response.json()
    assert updated["emails"] == [{"address": "c@x.com", "label": "new"}]
    assert updated["phones"] == []
    assert updated["tags"] == ["t2", "t1"]
    assert count("contact_emails") == 1
    assert count("contact_phones") == 0


def test_patch_without_changes_keeps_the_version(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    contact = api.create_contact()
    response = client.patch(
        f"/v1/contacts/{contact['id']}", json={"first_name": "Ada", "emails": []}, headers=admin
    )
    assert response.status_code == 200
    assert response.json()["version"] == 1


def test_stale_if_match_is_412_and_changes_nothing(
    client: httpx.Client, admin: dict[str, str], api: Any, count: Count
) -> None:
    contact = api.create_contact()
    assert (
        client.patch(
            f"/v1/contacts/{contact['id']}", json={"first_name": "B"}, headers=admin
        ).status_code
        == 200
    )
    outbox_before = count("outbox")
    response = client.patch(
        f"/v1/contacts/{contact['id']}",
        json={"first_name": "C"},
        headers={**admin, "If-Match": '"1"'},
    )
    assert response.status_code == 412
    assert response.json()["type"] == PROBLEM + "precondition-failed"
    assert response.json()["current_etag"] == '"2"'
    current = client.get(f"/v1/contacts/{contact['id']}", headers=admin).json()
    assert (current["first_name"], current["version"]) == ("B", 2)
    assert count("outbox") == outbox_before
    ok = client.patch(
        f"/v1/contacts/{contact['id']}",
        json={"first_name": "C"},
        headers={**admin, "If-Match": '"2"'},
    )
    assert ok.status_code == 200


def test_patch_validates_the_resulting_contact(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    contact = api.create_contact(first_name=None, last_name="Lovelace")
    response = client.patch(
        f"/v1/contacts/{contact['id']}", json={"last_name": None}, headers=admin
    )
    assert_validation(response, ["body.first_name"], ["name_required"])
    for field in ("kind", "lifecycle_stage", "emails", "phones", "tags", "attributes"):
        response = client.patch(f"/v1/contacts/{contact['id']}", json={field: None}, headers=admin)
        assert_validation(response, [f"body.{field}"], ["value_error"])
    response = client.patch(
        f"/v1/contacts/{contact['id']}", json={"phones": [{"number": "call me"}]}, headers=admin
    )
    assert_validation(response, ["body.phones.0.number"], ["invalid_phone"])
    assert client.get(f"/v1/contacts/{contact['id']}", headers=admin).json()["version"] == 1


def test_partner_never_sees_staff_fields(
    client: httpx.Client, as_role: Callable[..., dict[str, str]], api: Any
) -> None:
    contact = api.create_contact(
        rating=3, staff_comments="Difficult", phones=[{"number": "+14155550123"}]
    )
    partner = as_role("partner")
    responses = [
        client.get(f"/v1/contacts/{contact['id']}", headers=partner),
        client.get("/v1/contacts/lookup", params={"phone": "+14155550123"}, headers=partner),
        client.patch(f"/v1/contacts/{contact['id']}", json={"owner_id": "p-1"}, headers=partner),
    ]
    for response in responses:
        assert response.status_code == 200
        body = response.json()
        assert "rating" not in body and "staff_comments" not in body
        assert body["id"] == contact["id"]
    listed = client.get("/v1/contacts", headers=partner).json()["items"]
    assert [set(item) & {"rating", "staff_comments"} for item in listed] == [set()]
    created = client.post(
        "/v1/contacts", json={"kind": "person", "first_name": "P"}, headers=partner
    )
    assert created.status_code == 201
    assert "rating" not in created.json()
    owner = as_role("agent", agent_id="p-1")  # the owner the partner gave the contact
    staff_view = client.get(f"/v1/contacts/{contact['id']}", headers=owner).json()
    assert (staff_view["rating"], staff_view["staff_comments"]) == (3, "Difficult")


def test_partner_may_not_set_staff_fields(
    client: httpx.Client, as_role: Callable[..., dict[str, str]], api: Any, count: Count
) -> None:
    partner = as_role("partner")
    response = client.post(
        "/v1/contacts",
        json={"kind": "person", "first_name": "P", "rating": 2, "staff_comments": "x"},
        headers=partner,
    )
    assert_validation(
        response, ["body.rating", "body.staff_comments"], ["staff_only", "staff_only"]
    )
    assert count("contacts") == 0
    contact = api.create_contact()
    response = client.patch(f"/v1/contacts/{contact['id']}", json={"rating": None}, headers=partner)
    assert_validation(response, ["body.rating"], ["staff_only"])


def test_idempotent_create_replays_and_refuses_another_body(
    client: httpx.Client, admin: dict[str, str], count: Count
) -> None:
    headers = {**admin, "Idempotency-Key": "create-ada-1"}
    body = {"kind": "person", "first_name": "Ada"}
    first = client.post("/v1/contacts", json=body, headers=headers)
    again = client.post("/v1/contacts", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["ETag"] == '"1"'
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count("contacts") == 1
    other = client.post(
        "/v1/contacts", json={"kind": "person", "first_name": "Bob"}, headers=headers
    )
    assert other.status_code == 422
    assert other.json()["type"] == PROBLEM + "idempotency-key-reused"
    assert count("contacts") == 1
    assert count("outbox") == 1


def test_failed_create_does_not_use_up_the_idempotency_key(
    client: httpx.Client, admin: dict[str, str], count: Count
) -> None:
    headers = {**admin, "Idempotency-Key": "k-2"}
    bad = client.post(
        "/v1/contacts",
        json={"kind": "person", "first_name": "A", "phones": [{"number": "x"}]},
        headers=headers,
    )
    assert bad.status_code == 422
    assert count("idempotency_keys") == 0
    good = client.post("/v1/contacts", json={"kind": "person", "first_name": "A"}, headers=headers)
    assert good.status_code == 201


def test_list_filters(client: httpx.Client, admin: dict[str, str], api: Any) -> None:
    ada = api.create_contact(tags=["vip"], owner_id="agent-1", lifecycle_stage="customer")
    bob = api.create_contact(
        first_name="Bob", last_name="Builder", tags=["vip", "b2b"], owner_id="agent-2"
    )
    api.create_contact(first_name="Cy", last_name="Young", tags=["b2b"], owner_id="agent-1")

    def ids(**params: str) -> list[str]:
        response = client.get("/v1/contacts", params=params, headers=admin)
        assert response.status_code == 200
        return [c["id"] for c in response.json()["items"]]

    assert ids(tag="vip") == [ada["id"], bob["id"]]
    assert ids(owner_id="agent-2") == [bob["id"]]
    assert ids(lifecycle_stage="customer") == [ada["id"]]
    assert ids(tag="vip", owner_id="agent-1") == [ada["id"]]
    assert ids(tag="none") == []


def test_search_by_name_email_and_phone(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    ada = api.create_contact(
        emails=[{"address": "countess@analytical.org"}], phones=[{"number": "+14155550123"}]
    )
    org = api.create_contact(
        kind="organization",
        first_name=None,
        last_name=None,
        organization_name="Ünïcode Analytical Engines",
    )
    api.create_contact(first_name="Grace", last_name="Hopper", phones=[{"number": "+12025550173"}])

    def ids(q: str) -> list[str]:
        response = client.get("/v1/contacts", params={"q": q}, headers=admin)
        assert response.status_code == 200
        return [c["id"] for c in response.json()["items"]]

    assert ids("LOVE") == [ada["id"]]
    assert ids("ünïcode") == [org["id"]]
    assert ids("Analytical") == [ada["id"], org["id"]]
    assert ids("countess@") == [ada["id"]]
    assert ids("+1 (415) 555") == [ada["id"]]
    assert ids("415.555.0123") == [ada["id"]]
    assert ids("100%") == []
    assert ids("a_b") == []


def test_pagination_returns_each_contact_once_while_contacts_are_added(
    client: httpx.Client, admin: dict[str, str], api: Any
) -> None:
    created = [api.create_contact(first_name=f"C{i}")["id"] for i in range(5)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = client.get("/v1/contacts", params=params, headers=admin)
        assert response.status_code == 200
        page = response.json()
        assert len(page["items"]) <= 2
        seen += [c["id"] for c in page["items"]]
        pages += 1
        if pages <= 2:
            created.append(api.create_contact(first_name=f"New{pages}")["id"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == created
    assert len(set(seen)) == 7


def test_bad_list_parameters_are_422(client: httpx.Client, admin: dict[str, str]) -> None:
    cases = [
        ({"limit": 0}, "query.limit"),
        ({"limit": 201}, "query.limit"),
        ({"lifecycle_stage": "vip"}, "query.lifecycle_stage"),
        ({"cursor": "garbage!"}, "query.cursor"),
        ({"cursor": "WzEyM10"}, "query.cursor"),  # [123]
        ({"cursor": "W251bGxd"}, "query.cursor"),  # [null]
        ({"q": "a\u0000"}, "query.q"),
    ]
    for params, field in cases:
        response = client.get("/v1/contacts", params=params, headers=admin)
        assert response.status_code == 422, (params, response.text)
        assert [e["field"] for e in response.json()["errors"]] == [field]
