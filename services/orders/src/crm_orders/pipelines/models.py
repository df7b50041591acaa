"""Pipelines: named, ordered lists of stages (kept as one JSON list, read and written whole)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, text
from sqlmodel import Field

from crm_common.db import UTCDateTime, new_id, utcnow
from crm_orders.db import OrdersBase

# The default pipeline's fixed id: the migration creates it, so it exists in every database.
DEFAULT_PIPELINE_ID = uuid.UUID("00000000-0000-7000-8000-000000000001")


class Pipeline(OrdersBase, table=True):
    __tablename__ = "pipelines"
    # At most one default, even when two requests make different pipelines the default at once.
    __table_args__ = (
        Index(
            "uq_pipelines_is_default",
            "is_default",
            unique=True,
            postgresql_where=text("is_default"),
            sqlite_where=text("is_default"),
        ),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    is_default: bool = Field(default=False)
    # [{"name", "probability", "kind"}, ...] in pipeline order.
    stages: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
