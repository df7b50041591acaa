"""Alembic glue shared by every service: one env.py body, upgrade/downgrade, and a drift check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from crm_common.db import make_null_pool_engine


def alembic_config(service_dir: Path, url: str) -> Config:
    """The Alembic config of the service whose `alembic.ini` is in `service_dir`, aimed at `url`."""
    config = Config(str(service_dir / "alembic.ini"))
    config.set_main_option("script_location", str(service_dir / "migrations"))
    config.attributes["database_url"] = url
    return config


def upgrade(service_dir: Path, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service_dir, url), revision)


def downgrade(service_dir: Path, url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(service_dir, url), revision)


def run_env(metadata: MetaData, default_url: str) -> None:
    """The body of a service's migrations/env.py (batch mode so SQLite can alter tables)."""
    config = context.config
    url = config.attributes.get("database_url") or default_url
    options: dict[str, Any] = {
        "target_metadata": metadata,
        "render_as_batch": url.startswith("sqlite"),
        "compare_type": True,
    }
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_null_pool_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def schema_drift(url: str, metadata: MetaData) -> list[Any]:
    """Differences between the migrated database at `url` and the models (empty when in step)."""
    engine = make_null_pool_engine(url)
    try:
        with engine.connect() as connection:
            ctx = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(ctx, metadata))
    finally:
        engine.dispose()
