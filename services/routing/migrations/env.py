"""Alembic environment of the routing service."""

from crm_common.migrations import run_env
from crm_routing.config import get_settings
from crm_routing.tables import metadata

run_env(metadata, get_settings().database_url)
