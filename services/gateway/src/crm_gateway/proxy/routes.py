"""The route table: which path prefix goes to which service, and which roles may use it.

Least privilege (DESIGN.md §5): a path under no prefix here is 404, a role not allowed for its
prefix and method is 403. The services check roles again per endpoint. Prefixes match whole path
segments: `/v1/contacts` covers `/v1/contacts` and `/v1/contacts/...`, never `/v1/contactsX`.

A route's `roles` may use every method; its `grants` add roles for some methods only (reads of the
catalog for the website and the ERP), optionally on the prefix itself only (the website may
`POST /v1/orders`, but not `POST /v1/orders/{id}/cancel`).
"""

from dataclasses import dataclass

GATEWAY = "gateway"  # served by the gateway itself, not forwarded

STAFF = frozenset({"admin", "manager", "agent"})
ADMIN = frozenset({"admin"})
# Who shapes what is sold and how deals move: the catalog, pipelines and their stage rules.
CATALOG_ADMINS = frozenset({"admin", "manager"})
# Who oversees the contact centre: the live monitor and call statistics.
SUPERVISORS = frozenset({"admin", "manager"})
READS = frozenset({"GET", "HEAD", "OPTIONS"})
# A customer token reaches its customer's own data under /v1/me and nothing else.
CUSTOMER = frozenset({"customer"})


@dataclass(frozen=True)
class Grant:
    """`roles` may also use `methods`: on the prefix and below it, or on the prefix only (`exact`)."""

    roles: frozenset[str]
    methods: frozenset[str]
    exact: bool = False


@dataclass(frozen=True)
class Route:
    """`public`: anyone may read it without a key (as an anonymous `public` principal).
    `personal`: it reaches people's personal data, so the audit log records staff's and partners'
    requests to it."""

    prefix: str
    service: str
    roles: frozenset[str]
    grants: tuple[Grant, ...] = ()
    public: bool = False
    personal: bool = False

    def matches(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")

    def roles_for(self, method: str, path: str) -> frozenset[str]:
        """The roles that may send `method` to `path` (a path this route matches)."""
        allowed = self.roles
        for grant in self.grants:
            if method in grant.methods and (not grant.exact or path == self.prefix):
                allowed |= grant.roles
        return allowed


ROUTES: tuple[Route, ...] = (
    Route("/v1/contacts", "contacts", STAFF | {"partner"}, personal=True),
    Route("/v1/tasks", "contacts", STAFF, personal=True),
    Route(
        "/v1/products",
        "orders",
        CATALOG_ADMINS,
        (Grant(STAFF | {"partner", "website", "erp"}, READS),),
    ),
    # Validating a configuration reads the catalog; it changes nothing.
    Route("/v1/configurations", "orders", STAFF | {"partner", "website"}),
    Route("/v1/pipelines", "orders", CATALOG_ADMINS, (Grant(STAFF | {"partner"}, READS),)),
    Route("/v1/pipeline-rules", "orders", CATALOG_ADMINS, (Grant(STAFF, READS),)),
    Route("/v1/opportunities", "orders", STAFF | {"partner"}, personal=True),
    Route("/v1/quotes", "orders", STAFF | {"partner"}, personal=True),
    Route(
        "/v1/orders",
        "orders",
        STAFF | {"partner"},
        (
            Grant(frozenset({"erp"}), READS),
            Grant(frozenset({"website"}), frozenset({"POST"}), exact=True),
        ),
        personal=True,
    ),
    Route("/v1/integrations/erp", "orders", ADMIN | {"erp"}),
    # The contact centre: experts and their presence, calls. The telephony platform reaches only its
    # integration (call events in, routing decisions out).
    Route("/v1/agents", "routing", STAFF),
    Route("/v1/calls", "routing", STAFF, personal=True),
    Route("/v1/integrations/telephony", "routing", ADMIN | {"telephony"}),
    # Page views: the website's server key, staff, and the publishable key embedded in its pages,
    # which reaches this integration and nothing else.
    Route("/v1/web", "routing", STAFF | {"website"}),
    Route("/v1/integrations/web", "routing", ADMIN | {"website", "publishable"}),
    Route("/v1/engagement-rules", "routing", CATALOG_ADMINS, (Grant(STAFF, READS),)),
    # Chats between a web visitor (the website's server key writes for them) and an agent.
    Route("/v1/chats", "routing", STAFF | {"website"}, personal=True),
    Route("/v1/monitor", "routing", SUPERVISORS),
    Route("/v1/stats", "routing", SUPERVISORS),
    # Callbacks: staff, and a website's server key scheduling one for a visitor. The telephony
    # platform reports attempts' outcomes under its integration (`/v1/integrations/telephony`).
    Route("/v1/callbacks", "routing", STAFF | {"website"}, personal=True),
    Route("/v1/api-keys", GATEWAY, ADMIN),
    Route("/v1/webhooks", GATEWAY, ADMIN | {"partner"}),
    # Loyalty: the programme's rules (staff read them; the contacts service lets admins change
    # them); a contact's account is under /v1/contacts/{id}/loyalty.
    Route("/v1/loyalty", "contacts", STAFF),
    # Customer self-service with a customer token: the customer's own profile, consents, loyalty
    # and erasure (contacts), their orders (orders), and their export (composed here).
    Route("/v1/me", "contacts", CUSTOMER),
    Route("/v1/me/orders", "orders", CUSTOMER),
    Route("/v1/me/export", GATEWAY, CUSTOMER),
    # Why each purpose of data collection exists, as customers are told when asked for consent.
    Route("/v1/privacy/purposes", "contacts", ADMIN, public=True),
    Route("/v1/auth/customer-tokens", GATEWAY, ADMIN | {"website"}),
    Route("/v1/audit", GATEWAY, ADMIN),
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
