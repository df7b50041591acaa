"""The route table's matching (pure: no I/O)."""

import pytest

from crm_gateway.proxy.routes import GATEWAY, READS, ROUTES, Grant, Route, forwarded, match


@pytest.mark.parametrize(
    ("path", "prefix"),
    [
        ("/v1/contacts", "/v1/contacts"),
        ("/v1/contacts/", "/v1/contacts"),
        ("/v1/contacts/0190a000/interactions", "/v1/contacts"),
        ("/v1/tasks", "/v1/tasks"),
        ("/v1/tasks/1", "/v1/tasks"),
        ("/v1/api-keys/1", "/v1/api-keys"),
        ("/v1/products/p-1", "/v1/products"),
        ("/v1/configurations/validate", "/v1/configurations"),
        ("/v1/pipelines", "/v1/pipelines"),
        ("/v1/pipeline-rules/r-1", "/v1/pipeline-rules"),
        ("/v1/opportunities/o-1/stage", "/v1/opportunities"),
        ("/v1/quotes/q-1/accept", "/v1/quotes"),
        ("/v1/orders", "/v1/orders"),
        ("/v1/integrations/erp/orders/o-1/status", "/v1/integrations/erp"),
        ("/v1/monitor/stream", "/v1/monitor"),
        ("/v1/chats/c-1/stream", "/v1/chats"),
        ("/v1/chatsX", None),
        ("/v1/stats/calls", "/v1/stats"),
        ("/v1/statistics", None),
        ("/v1/callbacks/cb-1/cancel", "/v1/callbacks"),
        ("/v1/callbacksX", None),
        ("/v1/integrations/telephony/callbacks/cb-1/attempts/1", "/v1/integrations/telephony"),
        ("/v1/pipeline", None),
        ("/v1/integrations", None),
        ("/v1/integrations/erpX", None),
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
        "/v1/products": ["admin", "manager"],
        "/v1/configurations": ["admin", "agent", "manager", "partner", "website"],
        "/v1/pipelines": ["admin", "manager"],
        "/v1/pipeline-rules": ["admin", "manager"],
        "/v1/opportunities": ["admin", "agent", "manager", "partner"],
        "/v1/quotes": ["admin", "agent", "manager", "partner"],
        "/v1/orders": ["admin", "agent", "manager", "partner"],
        "/v1/integrations/erp": ["admin", "erp"],
        "/v1/agents": ["admin", "agent", "manager"],
        "/v1/calls": ["admin", "agent", "manager"],
        "/v1/integrations/telephony": ["admin", "telephony"],
        "/v1/web": ["admin", "agent", "manager", "website"],
        "/v1/integrations/web": ["admin", "publishable", "website"],
        "/v1/engagement-rules": ["admin", "manager"],
        "/v1/chats": ["admin", "agent", "manager", "website"],
        "/v1/monitor": ["admin", "manager"],
        "/v1/stats": ["admin", "manager"],
        "/v1/callbacks": ["admin", "agent", "manager", "website"],
        "/v1/api-keys": ["admin"],
        "/v1/loyalty": ["admin", "agent", "manager"],
        "/v1/me": ["customer"],
        "/v1/me/orders": ["customer"],
        "/v1/me/export": ["customer"],
        "/v1/privacy/purposes": ["admin"],
        "/v1/auth/customer-tokens": ["admin", "website"],
        "/v1/audit": ["admin"],
        "/v1/webhooks": ["admin", "partner"],
    }
    assert [route.prefix for route in ROUTES if route.public] == ["/v1/privacy/purposes"]
    assert [route.prefix for route in ROUTES if route.personal] == [
        "/v1/contacts",
        "/v1/tasks",
        "/v1/opportunities",
        "/v1/quotes",
        "/v1/orders",
        "/v1/calls",
        "/v1/chats",
        "/v1/callbacks",
    ]
    assert {route.prefix: route.service for route in forwarded()} == {
        "/v1/contacts": "contacts",
        "/v1/tasks": "contacts",
        "/v1/products": "orders",
        "/v1/configurations": "orders",
        "/v1/pipelines": "orders",
        "/v1/pipeline-rules": "orders",
        "/v1/opportunities": "orders",
        "/v1/quotes": "orders",
        "/v1/orders": "orders",
        "/v1/integrations/erp": "orders",
        "/v1/agents": "routing",
        "/v1/calls": "routing",
        "/v1/integrations/telephony": "routing",
        "/v1/web": "routing",
        "/v1/integrations/web": "routing",
        "/v1/engagement-rules": "routing",
        "/v1/chats": "routing",
        "/v1/monitor": "routing",
        "/v1/stats": "routing",
        "/v1/callbacks": "routing",
        "/v1/loyalty": "contacts",
        "/v1/me": "contacts",
        "/v1/me/orders": "orders",
        "/v1/privacy/purposes": "contacts",
    }
    assert match("/v1/api-keys") == Route("/v1/api-keys", GATEWAY, frozenset({"admin"}))


@pytest.mark.parametrize(
    ("method", "path", "roles"),
    [
        ("GET", "/v1/products", "admin agent erp manager partner website"),
        ("HEAD", "/v1/products/p-1", "admin agent erp manager partner website"),
        ("POST", "/v1/products", "admin manager"),
        ("PATCH", "/v1/products/p-1", "admin manager"),
        ("GET", "/v1/pipelines", "admin agent manager partner"),
        ("PUT", "/v1/pipelines/p-1", "admin manager"),
        ("GET", "/v1/pipeline-rules", "admin agent manager"),
        ("DELETE", "/v1/pipeline-rules/r-1", "admin manager"),
        ("GET", "/v1/orders/o-1", "admin agent erp manager partner"),
        ("POST", "/v1/orders", "admin agent manager partner website"),
        ("POST", "/v1/orders/", "admin agent manager partner"),
        ("POST", "/v1/orders/o-1/cancel", "admin agent manager partner"),
        ("PATCH", "/v1/orders/o-1", "admin agent manager partner"),
        ("POST", "/v1/integrations/erp/orders/o-1/status", "admin erp"),
        ("POST", "/v1/callbacks", "admin agent manager website"),
        ("POST", "/v1/callbacks/cb-1/cancel", "admin agent manager website"),
        ("POST", "/v1/integrations/telephony/callbacks/cb-1/attempts/1", "admin telephony"),
    ],
)
def test_roles_per_method(method: str, path: str, roles: str) -> None:
    route = match(path)

    assert route is not None
    assert sorted(route.roles_for(method, path)) == roles.split()


def test_a_grant_on_the_prefix_only_does_not_reach_below_it() -> None:
    route = Route(
        "/v1/things",
        "svc",
        frozenset({"agent"}),
        (
            Grant(frozenset({"viewer"}), READS),
            Grant(frozenset({"maker"}), frozenset({"POST"}), True),
        ),
    )

    assert route.roles_for("POST", "/v1/things") == {"agent", "maker"}
    assert route.roles_for("POST", "/v1/things/1/copy") == {"agent"}
    assert route.roles_for("GET", "/v1/things/1") == {"agent", "viewer"}
    assert route.roles_for("DELETE", "/v1/things/1") == {"agent"}
