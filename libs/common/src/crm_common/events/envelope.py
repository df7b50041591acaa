"""The CloudEvents 1.0 JSON envelope and the base of every typed payload."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from crm_common.db import new_id, utcnow

_REGISTRY: dict[str, type[EventPayload]] = {}


class EventPayload(BaseModel):
    """The `data` of one event type; subclasses set `event_type` and `topic`.

    Tolerant reader: fields a consumer does not know are ignored, because a `vN` may gain optional
    fields after that consumer was built.
    """

    event_type: ClassVar[str]
    topic: ClassVar[str]
    model_config = ConfigDict(extra="ignore")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        event_type = cls.__dict__.get("event_type")
        if event_type:
            if event_type in _REGISTRY and _REGISTRY[event_type] is not cls:
                raise TypeError(f"event type {event_type} defined twice")
            _REGISTRY[event_type] = cls


def payload_class(event_type: str) -> type[EventPayload] | None:
    return _REGISTRY.get(event_type)


def all_payload_types() -> dict[str, type[EventPayload]]:
    return dict(sorted(_REGISTRY.items()))


class CloudEvent(BaseModel):
    """CloudEvents 1.0 structured JSON, plus the request id as `correlationid`."""

    specversion: str = "1.0"
    id: uuid.UUID = Field(default_factory=new_id)
    source: str
    type: str
    subject: str
    time: datetime = Field(default_factory=utcnow)
    datacontenttype: str = "application/json"
    correlationid: str | None = None
    data: dict[str, Any]

    @classmethod
    def wrap(
        cls, payload: EventPayload, *, source: str, subject: str, correlation_id: str | None
    ) -> CloudEvent:
        return cls(
            source=source,
            type=payload.event_type,
            subject=subject,
            correlationid=correlation_id,
            data=payload.model_dump(mode="json"),
        )

    def payload(self) -> EventPayload:
        """The typed payload; raises KeyError for a type this code does not know."""
        cls = payload_class(self.type)
        if cls is None:
            raise KeyError(self.type)
        return cls.model_validate(self.data)
