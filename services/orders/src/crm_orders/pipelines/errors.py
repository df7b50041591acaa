"""Typed errors of pipelines."""

import uuid

from crm_common.errors import Conflict, FieldError, NotFound, Unprocessable


class PipelineNotFound(NotFound):
    code, title = "pipeline-not-found", "Pipeline not found"

    def __init__(self, pipeline_id: uuid.UUID) -> None:
        super().__init__(f"There is no pipeline {pipeline_id}.")


class InvalidPipeline(Unprocessable):
    code, title = "validation-error", "Validation failed"

    def __init__(self, errors: list[FieldError]) -> None:
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        super().__init__(detail, errors=errors)


class PipelineNameTaken(Conflict):
    code, title = "pipeline-name-taken", "Pipeline name taken"

    def __init__(self, name: str) -> None:
        super().__init__(f"Another pipeline is called {name!r}.")


class StageInUse(Conflict):
    code, title = "stage-in-use", "Stage in use"

    def __init__(self, stages: list[str]) -> None:
        super().__init__(
            f"Opportunities are still in the stages {', '.join(stages)}; move them first.",
            stages=stages,
        )


class DefaultPipelineRequired(Conflict):
    code, title = "default-pipeline-required", "A default pipeline is required"

    def __init__(self) -> None:
        super().__init__(
            "A default pipeline always exists: make another pipeline the default instead."
        )
