"""HTTP routes of pipelines: parse, call one service function, answer."""

import uuid

from fastapi import APIRouter, Response

from crm_common.db import ServiceRoute, SessionDep
from crm_common.http import IfMatchHeader, etag, json_response
from crm_common.openapi import created_headers, etag_header
from crm_common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from crm_orders.commerce import IdempotencyDep
from crm_orders.pipelines import service
from crm_orders.pipelines.schemas import PipelineCreate, PipelineRead, PipelineUpdate
from crm_orders.sales import ConfigCaller, DealCaller, problems

router = APIRouter(prefix="/v1/pipelines", tags=["pipelines"], route_class=ServiceRoute)


@router.post(
    "",
    status_code=201,
    response_model=PipelineRead,
    responses={201: created_headers("The new pipeline"), **problems(400, 409, 422)},
)
def create_pipeline(
    body: PipelineCreate,
    _principal: ConfigCaller,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Response:
    """Create a pipeline with its ordered stages (admin, manager; retry-safe with Idempotency-Key)."""
    replayed = idempotency.replay(body)
    if replayed is not None:
        return replayed
    read = service.create_pipeline(session, body)
    headers = {"ETag": etag(read.version), "Location": f"/v1/pipelines/{read.id}"}
    return idempotency.respond(201, read, headers)


@router.get("", response_model=Page[PipelineRead], responses=problems(422))
def list_pipelines(
    _principal: DealCaller,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[PipelineRead]:
    """List pipelines in creation order (the default one first)."""
    items, next_cursor = service.list_pipelines(session, limit, cursor)
    return Page[PipelineRead](items=items, next_cursor=next_cursor)


@router.get(
    "/{pipeline_id}",
    response_model=PipelineRead,
    responses={200: {"headers": etag_header()}, **problems(404, 422)},
)
def get_pipeline(pipeline_id: uuid.UUID, _principal: DealCaller, session: SessionDep) -> Response:
    """Read one pipeline with its stages."""
    read = service.get_pipeline(session, pipeline_id)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.patch(
    "/{pipeline_id}",
    response_model=PipelineRead,
    responses={200: {"headers": etag_header()}, **problems(400, 404, 409, 412, 422)},
)
def update_pipeline(
    pipeline_id: uuid.UUID,
    body: PipelineUpdate,
    _principal: ConfigCaller,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Rename a pipeline, replace its stages or make it the default (admin, manager; If-Match)."""
    read = service.update_pipeline(session, pipeline_id, body, if_match)
    return json_response(read, headers={"ETag": etag(read.version)})
