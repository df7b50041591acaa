"""Migrations build exactly the models' schema, and go down and up again."""

from crm_common.migrations import downgrade, schema_drift, upgrade
from crm_routing.migrate import SERVICE_DIR
from crm_routing.tables import metadata


def test_upgrade_downgrade_upgrade_without_drift(scratch_database: str) -> None:
    upgrade(SERVICE_DIR, scratch_database)
    assert schema_drift(scratch_database, metadata) == []
    downgrade(SERVICE_DIR, scratch_database)
    upgrade(SERVICE_DIR, scratch_database)
    assert schema_drift(scratch_database, metadata) == []
