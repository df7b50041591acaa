"""Alembic environment of the orders service."""

from crm_common.migrations import run_env
from crm_orders.config import get_settings
from crm_orders.tables import metadata

run_env(metadata, get_settings().database_url)
