"""The reverse proxy: what reaches the service, what comes back, and when the service fails."""

import http.client
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from crm_common.auth import verify_identity
from crm_common.testing import identity_headers

from ..helpers import INTERNAL_SECRET, Running, bearer, create_key


def seen(response: httpx.Response) -> dict[str, Any]:
    """The echo service's account of the request, with its headers as a dict of lists."""
    body = dict(response.json())
    headers: dict[str, list[str]] = {}
    for name, value in body["headers"]:
        headers.setdefault(name, []).append(value)
    body["headers"] = headers
    return body


@pytest.fixture
def partner(client: httpx.Client) -> tuple[str, dict[str, str]]:
    created = create_key(client, "partner")
    return created["id"], bearer(created["key"])


def test_the_service_sees_the_gateways_principal(
    client: httpx.Client, partner: tuple[str, dict[str, str]]
) -> None:
    key_id, headers = partner

    echo = seen(client.get("/v1/contacts", headers=headers))

    assert echo["principal_id"] == key_id
    assert echo["roles"] == ["partner"]
    identity = verify_identity(echo["headers"]["x-rapport-identity"][0], INTERNAL_SECRET)
    assert identity.id == key_id
    assert identity.roles == frozenset({"partner"})
    assert "authorization" not in echo["headers"]


def test_a_client_supplied_identity_is_replaced(
    client: httpx.Client, partner: tuple[str, dict[str, str]]
) -> None:
    key_id, headers = partner
    forged = identity_headers(INTERNAL_SECRET, "admin", principal_id="forged-admin")

    echo = seen(client.get("/v1/contacts", headers=headers | forged))

    assert echo["principal_id"] == key_id
    assert echo["roles"] == ["partner"]
    assert len(echo["headers"]["x-rapport-identity"]) == 1


def test_request_id_goes_upstream_and_comes_back(
    client: httpx.Client, partner: tuple[str, dict[str, str]]
) -> None:
    _, headers = partner

    given = client.get("/v1/contacts", headers=headers | {"X-Request-ID": "req-from-client-1"})
    generated = client.get("/v1/contacts", headers=headers)

    assert seen(given)["request_id"] == "req-from-client-1"
    assert given.headers.get_list("x-request-id") == ["req-from-client-1"]
    assert len(generated.headers.get_list("x-request-id")) == 1
    assert seen(generated)["request_id"] == generated.headers["x-request-id"]


def test_method_path_query_and_body_pass_through(
    client: httpx.Client, partner: tuple[str, dict[str, str]]
) -> None:
    _, headers = partner
    payload = b'{"first_name": "Ad\xc3\xa9", "n": [1, 2]}'

    response = client.patch(
        "/v1/contacts/abc/tags",
        params=[("b", "2"), ("a", "1"), ("a", "3"), ("q", "é x")],
        content=payload,
        headers=headers | {"Content-Type": "application/json", "X-Custom": "kept"},
    )

    echo = seen(response)
    assert response.status_code == 200
    assert echo["method"] == "PATCH"
    assert echo["path"] == "/v1/contacts/abc/tags"
    assert echo["query"] == "b=2&a=1&a=3&q=%C3%A9+x"
    assert echo["body"] == payload.decode()
    assert echo["headers"]["content-type"] == ["application/json"]
    assert echo["headers"]["x-custom"] == ["kept"]
    assert echo["headers"]["content-length"] == [str(len(payload))]


def test_forwarding_headers_are_set_by_the_gateway(
    client: httpx.Client, partner: tuple[str, dict[str, str]], gateway: Running
) -> None:
    _, headers = partner

    direct = seen(client.get("/v1/contacts", headers=headers))
    # The tests connect from 127.0.0.1, which uvicorn trusts as a proxy by default: it takes the
    # client address and scheme from these headers, as it would behind a load balancer.
    proxied = seen(
        client.get(
            "/v1/contacts",
            headers=headers | {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
        )
    )

    host = gateway.url.removeprefix("http://")
    assert direct["headers"]["x-forwarded-for"] == ["127.0.0.1"]
    assert direct["headers"]["x-forwarded-proto"] == ["http"]
    assert direct["headers"]["x-forwarded-host"] == [host]
    assert direct["headers"]["host"] != [host]
    assert proxied["headers"]["x-forwarded-for"] == ["203.0.113.9"]
    assert proxied["headers"]["x-forwarded-proto"] == ["https"]


def test_status_etag_and_other_headers_come_back(
    client: httpx.Client, partner: tuple[str, dict[str, str]]
) -> None:
    _, headers = partner

    conflict = client.get("/v1/contacts/status/409", headers=headers)
    gone = client.get("/v1/contacts/status/410", headers=headers)

    assert conflict.status_code == 409
    assert conflict.json() == {"code": 409}
    assert conflict.headers["etag"] == '"7"'
    assert conflict.headers["x-upstream"] == "yes"
    assert conflict.headers["content-type"] == "application/json"
    assert gone.status_code == 410


def test_a_creation_keeps_its_location_and_etag(
    client: httpx.Client, partner: tuple[str, dict[str, str]]
) -> None:
    _, headers = partner

    response = client.post("/v1/contacts", json={"first_name": "Ada"}, headers=headers)

    assert response.status_code == 201
    assert response.headers["location"] == "/v1/contacts/c-1"
    assert response.headers["etag"] == '"1"'
    assert seen(response)["body"] == '{"first_name":"Ada"}'


def test_no_content_and_head_answers(
    client: httpx.Client, partner: tuple[str, dict[str, str]]
) -> None:
    _, headers = partner

    empty = client.get("/v1/contacts/status/204", headers=headers)
    get = client.get("/v1/contacts", headers=headers)
    head = client.head("/v1/contacts", headers=headers)

    assert empty.status_code == 204
    assert empty.content == b""
    assert empty.headers["etag"] == '"7"'
    assert int(get.headers["content-length"]) == len(get.content)
    # The echo service has no HEAD route; its 405 comes back as it is, without a body.
    assert head.status_code == 405
    assert head.headers["allow"] == "GET"
    assert head.content == b""


def test_services_refuse_requests_that_bypass_the_gateway(upstream: Any) -> None:
    response = httpx.get(f"{upstream.url}/v1/contacts")

    assert response.status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/v1/contactsX",
        "/v1/contacts-old/1",
        "/v1/ordersX",
        "/v1/integrations",
        "/v2/contacts",
        "/",
        "/v1",
    ],
)
def test_paths_under_no_prefix_are_404(
    client: httpx.Client, partner: tuple[str, dict[str, str]], path: str
) -> None:
    response = client.get(path, headers=partner[1])

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["instance"] == path


def test_dot_segments_cannot_hop_to_another_prefix(
    gateway: Running, partner: tuple[str, dict[str, str]]
) -> None:
    # An HTTP client would turn /v1/contacts/../tasks into /v1/tasks, which partners may not reach;
    # http.client sends the path as it is.
    connection = http.client.HTTPConnection("127.0.0.1", gateway.server.port, timeout=10)
    try:
        connection.request("GET", "/v1/contacts/../tasks", headers=partner[1])
        response = connection.getresponse()
        status, body = response.status, json.loads(response.read())
    finally:
        connection.close()

    assert status == 404
    assert body["detail"] == "No API at /v1/contacts/../tasks."


def test_bodies_over_one_mebibyte_are_413(
    client: httpx.Client, partner: tuple[str, dict[str, str]]
) -> None:
    _, headers = partner
    too_big = b"x" * (1024 * 1024 + 1)

    def chunks() -> Iterator[bytes]:
        yield too_big[: 1024 * 1024]
        yield too_big[1024 * 1024 :]

    declared = client.post("/v1/contacts", content=too_big, headers=headers)
    streamed = client.post("/v1/contacts", content=chunks(), headers=headers)
    at_limit = client.post("/v1/contacts", content=too_big[:-1], headers=headers)

    assert declared.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"
    assert declared.json()["title"] == "Payload too large"
    assert streamed.status_code == 413
    assert at_limit.status_code == 201


def test_upstream_down_is_503_with_retry_after(
    client: httpx.Client,
    start_gateway: Callable[..., Running],
    dead_url: str,
    partner: tuple[str, dict[str, str]],
) -> None:
    down = start_gateway(contacts_url=dead_url)

    response = httpx.get(f"{down.url}/v1/contacts", headers=partner[1])

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    assert response.json()["detail"] == "The contacts service is unavailable; retry later."


def test_upstream_too_slow_is_504(
    client: httpx.Client,
    start_gateway: Callable[..., Running],
    partner: tuple[str, dict[str, str]],
) -> None:
    impatient = start_gateway(upstream_timeout_seconds=0.3)

    slow = httpx.get(
        f"{impatient.url}/v1/contacts/slow", params={"seconds": 1.5}, headers=partner[1]
    )
    quick = httpx.get(
        f"{impatient.url}/v1/contacts/slow", params={"seconds": 0}, headers=partner[1]
    )

    assert slow.status_code == 504
    assert slow.headers["content-type"] == "application/problem+json"
    assert slow.json()["detail"] == "The contacts service did not answer in time."
    assert quick.status_code == 200
