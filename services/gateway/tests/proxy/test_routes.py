"""The route table's matching (pure: no I/O)."""

import pytest

from crm_gateway.proxy.routes import GATEWAY, ROUTES, Route, forwarded, match


@pytest.mark.parametrize(
    ("path", "prefix"),
    [
        ("/v1/contacts", "/v1/contacts"),
        ("/v1/contacts/", "/v1/contacts"),
        ("/v1/contacts/0190a000/interactions", "/v1/contacts"),
        ("/v1/tasks", "/v1/tasks"),
        ("/v1/tasks/1", "/v1/tasks"),
        ("/v1/api-keys/1", "/v1/api-keys"),
        ("/v1/contactsX", None),
        ("/v1/contacts-archive", None),
        ("/v1/task", None),
        ("/v1", None),
        ("/", None),
        ("/V1/contacts", None),
    ],
)
def test_prefixes_match_whole_segments(path: str, prefix: str | None) -> None:
    route = match(path)

    assert (route.prefix if route else None) == prefix


def test_the_longest_prefix_wins() -> None:
    routes = (
        Route("/v1/contacts", "contacts", frozenset({"agent"})),
        Route("/v1/contacts/exports", "analytics", frozenset({"manager"})),
    )

    assert match("/v1/contacts/exports/1", routes) == routes[1]
    assert match("/v1/contacts/1", routes) == routes[0]


def test_least_privilege_per_design() -> None:
    roles = {route.prefix: sorted(route.roles) for route in ROUTES}

    assert roles == {
        "/v1/contacts": ["admin", "agent", "manager", "partner"],
        "/v1/tasks": ["admin", "agent", "manager"],
        "/v1/api-keys": ["admin"],
    }
    assert [route.prefix for route in forwarded()] == ["/v1/contacts", "/v1/tasks"]
    assert match("/v1/api-keys") == Route("/v1/api-keys", GATEWAY, frozenset({"admin"}))
