"""Rules of pipelines: valid stage lists, unique names, one default, stages in use stay."""

import uuid

from sqlmodel import Session

from crm_common.db import utcnow
from crm_common.http import check_if_match
from crm_common.pagination import Paged
from crm_orders.opportunities import repository as opportunities
from crm_orders.pipelines import repository
from crm_orders.pipelines.errors import (
    DefaultPipelineRequired,
    InvalidPipeline,
    PipelineNameTaken,
    PipelineNotFound,
    StageInUse,
)
from crm_orders.pipelines.models import Pipeline
from crm_orders.pipelines.schemas import PipelineCreate, PipelineRead, PipelineUpdate, StageRead
from crm_orders.pipelines.stages import StageList, stage_list_errors


def to_read(pipeline: Pipeline) -> PipelineRead:
    return PipelineRead(
        id=pipeline.id,
        name=pipeline.name,
        is_default=pipeline.is_default,
        stages=[StageRead.model_validate(s) for s in pipeline.stages],
        version=pipeline.version,
        created_at=pipeline.created_at,
        updated_at=pipeline.updated_at,
    )


def require(session: Session, pipeline_id: uuid.UUID, *, for_update: bool = False) -> Pipeline:
    pipeline = repository.get(session, pipeline_id, for_update=for_update)
    if pipeline is None:
        raise PipelineNotFound(pipeline_id)
    return pipeline


def require_default(session: Session) -> Pipeline:
    pipeline = repository.get_default(session)
    if pipeline is None:  # the migration creates one, and none can be unset without a successor
        raise DefaultPipelineRequired()
    return pipeline


def stages_of(pipeline: Pipeline) -> StageList:
    return StageList(pipeline.stages)


def create_pipeline(session: Session, data: PipelineCreate) -> PipelineRead:
    stages = [s.model_dump() for s in data.stages]
    errors = stage_list_errors(stages)
    if errors:
        raise InvalidPipeline(errors)
    if repository.name_taken(session, data.name):
        raise PipelineNameTaken(data.name)
    if data.is_default:
        repository.clear_default(session)
    now = utcnow()
    pipeline = Pipeline(
        name=data.name, is_default=data.is_default, stages=stages, created_at=now, updated_at=now
    )
    session.add(pipeline)
    return to_read(pipeline)


def get_pipeline(session: Session, pipeline_id: uuid.UUID) -> PipelineRead:
    return to_read(require(session, pipeline_id))


def list_pipelines(session: Session, limit: int, cursor: str | None) -> Paged[PipelineRead]:
    rows, next_cursor = repository.list_page(session, limit, cursor)
    return [to_read(p) for p in rows], next_cursor


def update_pipeline(
    session: Session, pipeline_id: uuid.UUID, data: PipelineUpdate, if_match: str | None
) -> PipelineRead:
    """Rename, re-stage or make default; a stage that opportunities are in may not disappear."""
    pipeline = require(session, pipeline_id, for_update=True)
    check_if_match(if_match, pipeline.version)
    changed = False
    if data.stages is not None:
        stages = [s.model_dump() for s in data.stages]
        errors = stage_list_errors(stages)
        if errors:
            raise InvalidPipeline(errors)
        removed = set(StageList(pipeline.stages).names) - {s["name"] for s in stages}
        in_use = sorted(removed & opportunities.stages_in_use(session, pipeline.id))
        if in_use:
            raise StageInUse(in_use)
        if stages != pipeline.stages:
            pipeline.stages = stages
            changed = True
    if data.name is not None and data.name != pipeline.name:
        if repository.name_taken(session, data.name, exclude=pipeline.id):
            raise PipelineNameTaken(data.name)
        pipeline.name = data.name
        changed = True
    if data.is_default is not None and data.is_default != pipeline.is_default:
        if not data.is_default:
            raise DefaultPipelineRequired()
        repository.clear_default(session)
        pipeline.is_default = True
        changed = True
    if changed:
        pipeline.version += 1
        pipeline.updated_at = utcnow()
    return to_read(pipeline)
