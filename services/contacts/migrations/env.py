"""Alembic environment of the contacts service."""

from crm_common.migrations import run_env
from crm_contacts.config import get_settings
from crm_contacts.tables import metadata

run_env(metadata, get_settings().database_url)
