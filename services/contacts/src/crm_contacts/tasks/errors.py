"""Typed errors of tasks."""

import uuid

from crm_common.errors import FieldError, NotFound, Unprocessable


class TaskNotFound(NotFound):
    code, title = "task-not-found", "Task not found"

    def __init__(self, task_id: uuid.UUID) -> None:
        super().__init__(f"There is no task {task_id}.")


class InvalidTask(Unprocessable):
    code, title = "validation-error", "Validation failed"

    def __init__(self, errors: list[FieldError]) -> None:
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        super().__init__(detail, errors=errors)
