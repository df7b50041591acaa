"""The 360° view: every service asked at once; a service that is down leaves its sections null and
named in `incomplete`, never a 500."""

from collections.abc import Callable

import httpx

from ..helpers import Running, bearer, create_key

CONTACT = "0192f5e0-7c1a-7d4e-9b3a-5f6e7d8c9b0a"


def test_every_service_answers(
    client: httpx.Client, key_for: Callable[..., dict[str, str]]
) -> None:
    response = client.get(f"/v1/contacts/{CONTACT}/360", headers=key_for("agent"))

    assert response.status_code == 200, response.text
    view = response.json()
    assert (view["contact_id"], view["complete"], view["incomplete"]) == (CONTACT, True, [])
    assert view["contact"]["path"] == f"/v1/contacts/{CONTACT}"
    assert view["consents"]["path"] == f"/v1/contacts/{CONTACT}/consents"
    # The stand-ins answer lists with an echo, not a page: such sections are empty, not wrong.
    assert view["orders"] is None


def test_a_service_down_leaves_the_rest(
    client: httpx.Client, start_gateway: Callable[..., Running], dead_url: str
) -> None:
    down = start_gateway(orders_url=dead_url)
    agent = bearer(create_key(client, "agent")["key"])

    response = httpx.get(f"{down.url}/v1/contacts/{CONTACT}/360", headers=agent)

    assert response.status_code == 200, response.text
    view = response.json()
    assert view["complete"] is False
    assert [(p["service"], p["sections"]) for p in view["incomplete"]] == [
        ("orders", ["orders", "opportunities"])
    ]
    assert "unavailable" in view["incomplete"][0]["reason"]
    assert view["contact"]["service"] == "echo"


def test_without_contacts_only_admins_get_the_rest(
    client: httpx.Client,
    start_gateway: Callable[..., Running],
    dead_url: str,
    admin: dict[str, str],
) -> None:
    down = start_gateway(contacts_url=dead_url)
    agent = bearer(create_key(client, "agent")["key"])

    refused = httpx.get(f"{down.url}/v1/contacts/{CONTACT}/360", headers=agent)
    allowed = httpx.get(f"{down.url}/v1/contacts/{CONTACT}/360", headers=admin)

    assert refused.status_code == 503
    assert allowed.status_code == 200
    assert allowed.json()["incomplete"][0]["service"] == "contacts"
    assert allowed.json()["contact"] is None


def test_the_360_view_is_for_staff(
    client: httpx.Client, key_for: Callable[..., dict[str, str]]
) -> None:
    assert client.get(f"/v1/contacts/{CONTACT}/360", headers=key_for("partner")).status_code == 403
    assert client.get("/v1/contacts/nope/360", headers=key_for("agent")).status_code == 422


def test_the_export_needs_every_service(
    client: httpx.Client,
    start_gateway: Callable[..., Running],
    dead_url: str,
    admin: dict[str, str],
    key_for: Callable[..., dict[str, str]],
) -> None:
    down = start_gateway(routing_url=dead_url)

    response = httpx.get(f"{down.url}/v1/contacts/{CONTACT}/export", headers=admin)

    assert response.status_code == 503
    assert "routing" in response.json()["detail"]
    assert (
        client.get(f"/v1/contacts/{CONTACT}/export", headers=key_for("manager")).status_code == 403
    )
