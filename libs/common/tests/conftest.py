"""A small service of its own for testing the shared mechanisms on real databases and a real broker."""

import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Field, SQLModel

from crm_common.consumer import processed_table
from crm_common.db import UTCDateTime, make_engine, new_id, new_registry, utcnow
from crm_common.http import idempotency_table
from crm_common.outbox import outbox_table
from crm_common.testing import database_url, truncate_all


class CommonTestBase(SQLModel, registry=new_registry()):
    pass


class Thing(CommonTestBase, table=True):
    __tablename__ = "things"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


Outbox = outbox_table(CommonTestBase)
Processed = processed_table(CommonTestBase)
Idempotency = idempotency_table(CommonTestBase)


@pytest.fixture(scope="session")
def common_engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    tmp: Path = tmp_path_factory.mktemp(f"common-{backend}")
    engine = make_engine(database_url(backend, "common_mechanisms", str(tmp)))
    CommonTestBase.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(common_engine: Engine) -> Iterator[Engine]:
    truncate_all(common_engine, CommonTestBase.metadata)
    yield common_engine
