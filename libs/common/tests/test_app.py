import uuid
from collections.abc import Iterator
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, func
from sqlmodel import select

from crm_common.app import create_service_app
from crm_common.auth import Principal, require_roles
from crm_common.broker import LocalBroker, free_port
from crm_common.db import ServiceRoute, SessionDep, transaction
from crm_common.errors import NotFound
from crm_common.http import Idempotency as IdempotencyGuard
from crm_common.http import idempotency_dependency
from crm_common.settings import ServiceSettings
from crm_common.testing import identity_headers, live_server

from .conftest import Idempotency, Thing


class ThingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)


class ThingOut(BaseModel):
    id: uuid.UUID
    name: str


router = APIRouter(route_class=ServiceRoute)
Admin = Annotated[Principal, Depends(require_roles("admin"))]


@router.post("/v1/things", status_code=201, response_model=ThingOut)
def create_thing(
    body: ThingIn,
    session: SessionDep,
    _: Admin,
    idem: Annotated[IdempotencyGuard, Depends(idempotency_dependency(Idempotency))],
) -> object:
    """Create a thing."""
    replay = idem.replay(body)
    if replay is not None:
        return replay
    thing = Thing(name=body.name)
    session.add(thing)
    return idem.respond(
        201, ThingOut(id=thing.id, name=thing.name), {"Location": f"/v1/things/{thing.id}"}
    )


@router.get("/v1/things/{thing_id}", response_model=ThingOut)
def get_thing(thing_id: uuid.UUID, session: SessionDep, _: Admin) -> ThingOut:
    """Read a thing."""
    thing = session.get(Thing, thing_id)
    if thing is None:
        raise NotFound(f"No thing {thing_id}.")
    return ThingOut(id=thing.id, name=thing.name)


@router.post("/v1/things/{thing_id}/copies", status_code=201, response_model=ThingOut)
def copy_thing(thing_id: uuid.UUID, session: SessionDep, _: Admin) -> ThingOut:
    """Adds a new thing and one reusing `thing_id`: the commit fails when that id is taken."""
    session.add(Thing(name="fresh"))
    session.add(Thing(id=thing_id, name="copy"))
    return ThingOut(id=thing_id, name="copy")


@router.post("/v1/async-things", status_code=201, response_model=ThingOut)
async def create_thing_async(body: ThingIn, session: SessionDep, _: Admin) -> ThingOut:
    """An async endpoint: its session is committed by the dependency, not the route."""
    thing = Thing(name=body.name)
    session.add(thing)
    return ThingOut(id=thing.id, name=thing.name)


SETTINGS_SECRET = "t" * 40


@pytest.fixture
def client(engine: Engine, broker: LocalBroker) -> Iterator[httpx.Client]:
    settings = ServiceSettings(
        service_name="things",
        internal_secret=SETTINGS_SECRET,
        kafka_bootstrap_servers=broker.bootstrap,
    )
    app = create_service_app(
        settings, title="things", description="test", routers=[router], engine=engine
    )
    with live_server(app) as server, httpx.Client(base_url=server.url) as http:
        yield http


def _count(engine: Engine) -> int:
    with transaction(engine, write=False) as session:
        return session.exec(select(func.count()).select_from(Thing)).one()


def admin() -> dict[str, str]:
    """Signed per call: an identity lives 60 s, shorter than a full test run."""
    return identity_headers(SETTINGS_SECRET, "admin")


def test_missing_identity_is_401_and_wrong_role_403_as_problems(client: httpx.Client) -> None:
    missing = client.post("/v1/things", json={"name": "a"})
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["type"] == "https://rapport.dev/problems/unauthorized"
    assert missing.headers["www-authenticate"] == 'Bearer realm="rapport"'
    forged = client.post(
        "/v1/things", json={"name": "a"}, headers=identity_headers("x" * 40, "admin")
    )
    assert forged.status_code == 401
    agent = client.post(
        "/v1/things", json={"name": "a"}, headers=identity_headers(SETTINGS_SECRET, "agent")
    )
    assert agent.status_code == 403
    assert agent.json()["detail"] == "This operation needs one of the roles: admin."


def test_bad_input_is_a_precise_problem_and_writes_nothing(
    client: httpx.Client, engine: Engine
) -> None:
    malformed = client.post(
        "/v1/things", content=b"{nope", headers={**admin(), "content-type": "application/json"}
    )
    assert (malformed.status_code, malformed.json()["type"]) == (
        400,
        "https://rapport.dev/problems/malformed-json",
    )
    invalid = client.post("/v1/things", json={"name": "", "extra": 1}, headers=admin())
    assert invalid.status_code == 422
    assert {e["field"] for e in invalid.json()["errors"]} == {"body.name", "body.extra"}
    big = client.post(
        "/v1/things",
        content=b"x" * (1024 * 1024 + 1),
        headers={**admin(), "content-type": "application/json"},
    )
    assert (big.status_code, big.json()["type"]) == (
        413,
        "https://rapport.dev/problems/payload-too-large",
    )
    bad_id = client.get("/v1/things/not-a-uuid", headers=admin())
    assert bad_id.status_code == 422
    assert bad_id.json()["errors"][0]["field"] == "path.thing_id"
    unknown = client.get(f"/v1/things/{uuid.uuid4()}", headers=admin())
    assert (unknown.status_code, unknown.json()["title"]) == (404, "Not found")
    no_route = client.delete("/v1/things", headers=admin())
    assert no_route.status_code == 405
    assert no_route.headers["content-type"] == "application/problem+json"
    assert _count(engine) == 0


def test_chunked_body_over_the_limit_is_413(client: httpx.Client, engine: Engine) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b"x" * 65536

    response = client.post(
        "/v1/things", content=chunks(), headers={**admin(), "content-type": "application/json"}
    )
    assert response.status_code == 413
    assert _count(engine) == 0


def test_idempotency_key_replays_the_first_response_and_refuses_another_body(
    client: httpx.Client, engine: Engine
) -> None:
    headers = {**admin(), "Idempotency-Key": "key-1"}
    first = client.post("/v1/things", json={"name": "a"}, headers=headers)
    again = client.post("/v1/things", json={"name": "a"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    other = client.post("/v1/things", json={"name": "b"}, headers=headers)
    assert (other.status_code, other.json()["type"]) == (
        422,
        "https://rapport.dev/problems/idempotency-key-reused",
    )
    assert _count(engine) == 1


def test_request_id_is_echoed_or_generated(client: httpx.Client) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    generated = client.get("/healthz")
    assert uuid.UUID(generated.headers["x-request-id"])
    problem = client.get(f"/v1/things/{uuid.uuid4()}", headers={**admin(), "X-Request-ID": "r-9"})
    assert problem.json()["request_id"] == "r-9"


def test_readiness_and_metrics(client: httpx.Client) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "broker": "ok"}}
    client.get("/healthz")
    metrics = client.get("/metrics").text
    assert (
        'http_requests_total{method="GET",route="/healthz",service="things",status="200"}'
        in metrics
    )


def test_readiness_is_503_when_the_broker_is_unreachable(engine: Engine) -> None:
    settings = ServiceSettings(
        service_name="things", kafka_bootstrap_servers=f"127.0.0.1:{free_port()}"
    )
    app = create_service_app(settings, title="t", description="t", routers=[], engine=engine)
    with live_server(app) as server:
        response = httpx.get(server.url + "/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "unavailable"}


def test_the_request_session_commits_what_succeeds_and_nothing_of_what_fails(
    client: httpx.Client, engine: Engine
) -> None:
    wrapped = {r.path: hasattr(r.endpoint, "__wrapped__") for r in router.routes}  # type: ignore[attr-defined]
    assert wrapped["/v1/things/{thing_id}/copies"] and not wrapped["/v1/async-things"]
    free = client.post(f"/v1/things/{uuid.uuid4()}/copies", headers=admin())
    assert free.status_code == 201, free.text  # committed by the sync route
    assert _count(engine) == 2
    taken = client.post(f"/v1/things/{free.json()['id']}/copies", headers=admin())
    assert taken.status_code == 409  # the commit failed: nothing of the request stays
    assert taken.headers["content-type"] == "application/problem+json"
    assert _count(engine) == 2
    created = client.post("/v1/async-things", json={"name": "a"}, headers=admin())
    assert created.status_code == 201, created.text  # committed by the dependency
    assert _count(engine) == 3
