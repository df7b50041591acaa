"""The forwarding routes, one pair per prefix of the route table, kept out of the OpenAPI document.

They are plain Starlette routes rather than FastAPI operations: no dependency injection or
validation runs on this hot path, and paths under no prefix fall through to the 404 problem.
"""

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from starlette.routing import Match, Route
from starlette.types import Scope

from crm_common.errors import NotFound
from crm_common.logging import current_request_id
from crm_gateway.audit.recorder import AuditRecorder
from crm_gateway.auth import guard
from crm_gateway.proxy import routes as table
from crm_gateway.proxy.forward import Forwarder

REASON_HEADER = "x-rapport-reason"
MAX_REASON = 200

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _has_dot_segment(path: str) -> bool:
    """`.` and `..` segments would be resolved by the HTTP client into another prefix's path."""
    return any(segment in (".", "..") for segment in path.split("/"))


class ProxyRoute(Route):
    """A forwarding route that names itself in the scope, so that metrics label it by its path."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match is not Match.NONE:
            child_scope["route"] = self
        return match, child_scope


def _endpoint(route: table.Route) -> Callable[[Request], Awaitable[Response]]:
    async def forward(request: Request) -> Response:
        path: str = request.scope["path"]
        if _has_dot_segment(path):
            raise NotFound(f"No API at {path}.")
        principal = await guard(request, route, path)
        forwarder: Forwarder = request.app.state.forwarder
        response = await forwarder.forward(request, route.service, principal)
        if route.personal and not principal.is_customer:
            audit(request, path, response.status_code, getattr(response, "body", None))
        return response

    return forward


def audit(request: Request, path: str, status: int, body: bytes | None) -> None:
    """Note the request in the audit log: who, what (the answer tells whose data), when, why."""
    recorder: AuditRecorder = request.app.state.audit
    reason = request.headers.get(REASON_HEADER)
    recorder.note(
        request.state.principal,
        request.method,
        path,
        status,
        body,
        reason[:MAX_REASON] if reason else None,
        current_request_id(),
    )


def install(app: FastAPI) -> None:
    """Forward every method on `<prefix>` and `<prefix>/...` of each forwarded route; longer
    prefixes first, so that `/v1/me/orders` is not taken for a path below `/v1/me`."""
    for route in sorted(table.forwarded(), key=lambda r: len(r.prefix), reverse=True):
        endpoint = _endpoint(route)
        for path in (route.prefix, route.prefix + "/{path:path}"):
            app.router.routes.append(
                ProxyRoute(
                    path,
                    endpoint,
                    methods=METHODS,
                    name=f"proxy:{route.prefix}",
                    include_in_schema=False,
                )
            )
