"""The route table: which path prefix goes to which service, and which roles may use it.

Least privilege (DESIGN.md §5): a path under no prefix here is 404, a role not listed for its
prefix is 403. The services check roles again per endpoint. Prefixes match whole path segments:
`/v1/contacts` covers `/v1/contacts` and `/v1/contacts/...`, never `/v1/contactsX`.
"""

from dataclasses import dataclass

GATEWAY = "gateway"  # served by the gateway itself, not forwarded

STAFF = frozenset({"admin", "manager", "agent"})
ADMIN = frozenset({"admin"})


@dataclass(frozen=True)
class Route:
    prefix: str
    service: str
    roles: frozenset[str]

    def matches(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")


ROUTES: tuple[Route, ...] = (
    Route("/v1/contacts", "contacts", STAFF | {"partner"}),
    Route("/v1/tasks", "contacts", STAFF),
    Route("/v1/api-keys", GATEWAY, ADMIN),
)


def match(path: str, routes: tuple[Route, ...] = ROUTES) -> Route | None:
    """The route of `path` (the longest matching prefix), or None."""
    best: Route | None = None
    for route in routes:
        if route.matches(path) and (best is None or len(route.prefix) > len(best.prefix)):
            best = route
    return best


def forwarded(routes: tuple[Route, ...] = ROUTES) -> tuple[Route, ...]:
    """The routes the gateway forwards to a service."""
    return tuple(route for route in routes if route.service != GATEWAY)
