"""Pure rules of stage lists (no I/O): their shape, and the moves an opportunity may make."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from crm_common.errors import FieldError

DEFAULT_STAGES: list[dict[str, Any]] = [
    {"name": "initiation", "probability": 10, "kind": "open"},
    {"name": "identification", "probability": 20, "kind": "open"},
    {"name": "qualification", "probability": 40, "kind": "open"},
    {"name": "rfq_received", "probability": 60, "kind": "open"},
    {"name": "quote_sent", "probability": 80, "kind": "open"},
    {"name": "won", "probability": 100, "kind": "won"},
    {"name": "lost", "probability": 0, "kind": "lost"},
]
QUOTE_SENT = "quote_sent"


@dataclass(frozen=True)
class StageInfo:
    name: str
    probability: int
    kind: str
    position: int

    @property
    def closed(self) -> bool:
        return self.kind != "open"


class StageList:
    """A pipeline's stages, looked up by name."""

    def __init__(self, stages: Sequence[dict[str, Any]]) -> None:
        self.stages = [
            StageInfo(s["name"], int(s["probability"]), s["kind"], i) for i, s in enumerate(stages)
        ]
        self._by_name = {s.name: s for s in self.stages}

    def get(self, name: str) -> StageInfo | None:
        return self._by_name.get(name)

    @property
    def first(self) -> StageInfo:
        return self.stages[0]

    def first_of_kind(self, kind: str) -> StageInfo | None:
        return next((s for s in self.stages if s.kind == kind), None)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.stages]


def stage_list_errors(
    stages: Sequence[dict[str, Any]], field: str = "body.stages"
) -> list[FieldError]:
    """Why `stages` cannot be a pipeline: names unique, open stages (at least one) before the closed
    ones, and at least one won and one lost stage."""
    errors: list[FieldError] = []
    seen: set[str] = set()
    for index, stage in enumerate(stages):
        if stage["name"] in seen:
            errors.append(
                FieldError(
                    field=f"{field}.{index}.name",
                    message=f"the stage {stage['name']!r} appears twice",
                    code="duplicate_stage",
                )
            )
        seen.add(stage["name"])
    kinds = [s["kind"] for s in stages]
    if not kinds or kinds[0] != "open":
        errors.append(
            FieldError(
                field=f"{field}.0.kind",
                message="the first stage must be open",
                code="first_stage_closed",
            )
        )
    closed_seen = False
    for index, kind in enumerate(kinds):
        if kind != "open":
            closed_seen = True
        elif closed_seen:
            errors.append(
                FieldError(
                    field=f"{field}.{index}.kind",
                    message="open stages come before won and lost ones",
                    code="open_after_closed",
                )
            )
    for kind in ("won", "lost"):
        if kind not in kinds:
            errors.append(
                FieldError(field=field, message=f"needs a {kind} stage", code=f"no_{kind}_stage")
            )
    return errors
