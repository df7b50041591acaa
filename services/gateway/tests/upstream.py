"""Small real upstream services for the gateway's tests: they verify the signed identity like every
service does (crm_common.auth.require_roles) and echo back what reached them. One stands in for
contacts, one for orders, one for routing."""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from crm_common.app import create_service_app
from crm_common.auth import Principal, PrincipalDep, require_roles
from crm_common.settings import ServiceSettings

ContactsCaller = Annotated[
    Principal, Depends(require_roles("admin", "manager", "agent", "partner"))
]
StaffCaller = Annotated[Principal, Depends(require_roles("admin", "manager", "agent"))]


class Echo(BaseModel):
    """What the upstream received."""

    service: str
    principal_id: str
    roles: list[str]
    agent_id: str | None
    team: str | None = None
    contact_id: str | None = None
    request_id: str | None
    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: str


class ApiKeyRead(BaseModel):
    """Named like a schema of the gateway's own, but different: the merged document must keep both."""

    serial: int


async def echo(request: Request, principal: Principal) -> Echo:
    return Echo(
        service=request.app.state.settings.service_name,
        principal_id=principal.id,
        roles=sorted(principal.roles),
        agent_id=principal.agent_id,
        team=principal.team,
        contact_id=principal.contact_id,
        request_id=request.headers.get("x-request-id"),
        method=request.method,
        path=request.url.path,
        query=request.scope["query_string"].decode("latin-1"),
        headers=[(k, v) for k, v in request.headers.items()],
        body=(await request.body()).decode("utf-8", errors="replace"),
    )


contacts = APIRouter(prefix="/v1/contacts", tags=["contacts"])
tasks = APIRouter(prefix="/v1/tasks", tags=["tasks"])
unexposed = APIRouter(prefix="/v1/internal-reports", tags=["internal"])
me = APIRouter(prefix="/v1/me", tags=["me"])
privacy = APIRouter(prefix="/v1/privacy", tags=["privacy"])
# Customers the stand-in does not know, and one that was erased (for customer tokens' tests).
UNKNOWN_CUSTOMER = "00000000-0000-7000-8000-000000000000"
ERASED_CUSTOMER = "00000000-0000-7000-8000-0000000000ff"


@contacts.get("", response_model=Echo)
async def list_contacts(request: Request, principal: ContactsCaller) -> Echo:
    """Echo."""
    return await echo(request, principal)


@contacts.post("", status_code=201, response_model=Echo)
async def create_contact(request: Request, principal: ContactsCaller) -> Response:
    """Echo, as a creation with Location and ETag."""
    body = (await echo(request, principal)).model_dump_json()
    return Response(
        body,
        status_code=201,
        media_type="application/json",
        headers={"Location": "/v1/contacts/c-1", "ETag": '"1"'},
    )


@contacts.get("/slow", response_model=Echo)
async def slow(request: Request, principal: ContactsCaller, seconds: float = 1.0) -> Echo:
    """Answer after `seconds` (having read the request first, before the gateway may give up)."""
    received = await echo(request, principal)
    await asyncio.sleep(seconds)
    return received


@contacts.get("/status/{code}")
async def status(code: int, _principal: ContactsCaller) -> Response:
    """Answer with status `code`, an ETag and a custom header."""
    if code == 204:
        return Response(status_code=204, headers={"ETag": '"7"'})
    return JSONResponse(
        {"code": code}, status_code=code, headers={"ETag": '"7"', "X-Upstream": "yes"}
    )


@contacts.get("/clash", response_model=ApiKeyRead)
async def clash(_principal: ContactsCaller) -> ApiKeyRead:
    """A schema whose name the gateway uses too."""
    return ApiKeyRead(serial=1)


@contacts.get("/{rest:path}", response_model=Echo)
async def read_anything(request: Request, principal: ContactsCaller) -> Echo:
    """Echo."""
    return await echo(request, principal)


@contacts.patch("/{rest:path}", response_model=Echo)
async def patch_anything(request: Request, principal: ContactsCaller) -> Echo:
    """Echo."""
    return await echo(request, principal)


@tasks.get("", response_model=Echo)
async def list_tasks(request: Request, principal: StaffCaller) -> Echo:
    """Echo (staff only)."""
    return await echo(request, principal)


@me.get("", response_model=Echo, responses={404: {}, 410: {}})
async def read_me(request: Request, principal: PrincipalDep) -> Response:
    """Echo for a customer; 404 for UNKNOWN_CUSTOMER, 410 (erased) for ERASED_CUSTOMER."""
    if principal.contact_id == UNKNOWN_CUSTOMER:
        return JSONResponse({"title": "Contact not found", "status": 404}, status_code=404)
    if principal.contact_id == ERASED_CUSTOMER:
        body = {"title": "Contact erased", "status": 410, "erased_at": "2026-12-01T00:00:00Z"}
        return JSONResponse(body, status_code=410)
    return JSONResponse((await echo(request, principal)).model_dump())


@me.api_route("/{rest:path}", methods=["GET", "PUT", "POST", "PATCH"], response_model=Echo)
async def below_me(request: Request, principal: PrincipalDep) -> Echo:
    """Echo."""
    return await echo(request, principal)


@privacy.get("/purposes", response_model=Echo)
async def purposes(request: Request, principal: PrincipalDep) -> Echo:
    """Echo (any verified identity, the anonymous one of a public route included)."""
    return await echo(request, principal)


@privacy.get("/contacts/{contact_id}/export", response_model=Echo)
async def export(request: Request, principal: PrincipalDep) -> Echo:
    """Echo (the contacts service's part of an export; not reachable through the gateway)."""
    return await echo(request, principal)


@unexposed.get("")
async def reports(_principal: StaffCaller) -> dict[str, str]:
    """Not in the gateway's route table."""
    return {"secret": "no"}


# The orders service's prefixes; the gateway's route table is what decides who reaches them, so the
# stand-in only verifies the identity and echoes (any method, any path below the prefix).
ORDERS_PREFIXES = (
    "/v1/products",
    "/v1/configurations",
    "/v1/pipelines",
    "/v1/pipeline-rules",
    "/v1/opportunities",
    "/v1/quotes",
    "/v1/orders",
    "/v1/integrations/erp",
    "/v1/me/orders",
)
# The routing service's prefixes, echoed the same way.
ROUTING_PREFIXES = (
    "/v1/agents",
    "/v1/calls",
    "/v1/integrations/telephony",
    "/v1/web",
    "/v1/integrations/web",
    "/v1/engagement-rules",
    "/v1/chats",
    "/v1/monitor",
    "/v1/stats",
    "/v1/callbacks",
)
ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _echo_router(prefix: str, tag: str) -> APIRouter:
    router = APIRouter(prefix=prefix, tags=[tag])

    async def anything(request: Request, principal: PrincipalDep) -> Echo:
        return await echo(request, principal)

    name = prefix.rsplit("/", 1)[-1].replace("-", "_")
    for method in ANY_METHOD:
        for path, where in (("", "root"), ("/{rest:path}", "below")):
            router.add_api_route(
                path,
                anything,
                methods=[method],
                response_model=Echo,
                name=f"{name}_{where}_{method.lower()}",
            )
    return router


def create_prefixes_upstream_app(
    settings: ServiceSettings, service: str, prefixes: tuple[str, ...]
) -> FastAPI:
    """A stand-in for `service` echoing any method on and below each of `prefixes`."""
    return create_service_app(
        settings,
        title=f"Echo {service} upstream",
        description=f"Echoes what the gateway forwards to the {service} service.",
        routers=[_echo_router(prefix, service) for prefix in prefixes],
        check_broker=False,
    )


def create_upstream_app(settings: ServiceSettings) -> FastAPI:
    return create_service_app(
        settings,
        title="Echo upstream",
        description="Echoes what the gateway forwards.",
        routers=[contacts, tasks, me, privacy, unexposed],
        check_broker=False,
    )
