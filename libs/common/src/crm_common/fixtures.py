"""The pytest fixtures every service's tests declare alike, made once for a service.

A service's conftest binds them to its name and migrations, and defines what is its own
(`service_settings`, `server`, `client`, factories):

    database, scratch_database, engine, as_role, admin, count = service_fixtures(
        "contacts", SERVICE_DIR
    )
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from crm_common.db import make_engine
from crm_common.testing import database_url, drop_database, identity_headers, migrated_database

Headers = dict[str, str]


def service_fixtures(service: str, service_dir: Path) -> tuple[Any, ...]:
    """`database`, `scratch_database`, `engine`, `as_role`, `admin` and `count` of `service`."""

    @pytest.fixture(scope="session", name="database")
    def database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
        """A database migrated to head, shared by the session's tests of `backend`."""
        tmp_dir = str(tmp_path_factory.mktemp(f"{service}-{backend}"))
        with migrated_database(backend, service, tmp_dir, service_dir) as url:
            yield url

    @pytest.fixture(name="scratch_database")
    def scratch_database(backend: str, tmp_path: Path) -> Iterator[str]:
        """An empty database of its own for one test (dropped afterwards on PostgreSQL)."""
        url = database_url(backend, f"{service}_scratch", str(tmp_path))
        yield url
        drop_database(url)

    @pytest.fixture(scope="session", name="engine")
    def engine(database: str) -> Iterator[Engine]:
        engine = make_engine(database, pool_size=2)
        yield engine
        engine.dispose()

    @pytest.fixture(scope="session", name="as_role")
    def as_role(service_settings: Any) -> Callable[..., Headers]:
        """The gateway's identity header for a caller with the given roles (and whom it acts as)."""

        def headers(
            *roles: str,
            principal_id: str = "test-key",
            contact_id: str | None = None,
            agent_id: str | None = None,
            team: str | None = None,
        ) -> Headers:
            return identity_headers(
                service_settings.internal_secret,
                *roles,
                principal_id=principal_id,
                contact_id=contact_id,
                agent_id=agent_id,
                team=team,
            )

        return headers

    @pytest.fixture(name="admin")
    def admin(as_role: Callable[..., Headers]) -> Headers:
        return as_role("admin")

    @pytest.fixture(name="count")
    def count(engine: Engine) -> Callable[[str], int]:
        """Rows in a table, read straight from the database."""

        def rows(table: str) -> int:
            with engine.connect() as conn:
                return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())

        return rows

    return database, scratch_database, engine, as_role, admin, count
