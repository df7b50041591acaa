"""Alembic environment of the gateway."""

from crm_common.migrations import run_env
from crm_gateway.config import get_settings
from crm_gateway.tables import metadata

run_env(metadata, get_settings().database_url)
