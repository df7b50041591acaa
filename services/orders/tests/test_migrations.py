"""Migrations build exactly the models' schema, and go down and up again."""

from typing import Any

from crm_common.migrations import downgrade, schema_drift, upgrade
from crm_orders.migrate import SERVICE_DIR
from crm_orders.tables import metadata


def test_upgrade_downgrade_upgrade_without_drift(scratch_database: str) -> None:
    upgrade(SERVICE_DIR, scratch_database)
    assert schema_drift(scratch_database, metadata) == []
    downgrade(SERVICE_DIR, scratch_database)
    upgrade(SERVICE_DIR, scratch_database)
    assert schema_drift(scratch_database, metadata) == []


def test_the_catalog_and_orders_revision_stands_alone(scratch_database: str) -> None:
    upgrade(SERVICE_DIR, scratch_database, "0001_catalog_orders")
    mine = {
        "products", "orders", "order_lines", "order_status_history", "erp_status_events",
        "counters", "outbox", "idempotency_keys", "processed_events",
    }  # fmt: skip
    # Columns and indexes that later revisions add to these tables (0003_privacy:
    # orders.pseudonymised_at; 0004_outbox_key_index: ix_outbox_key).
    later = {("orders", "pseudonymised_at"), ("outbox", "ix_outbox_key")}
    drift = schema_drift(scratch_database, metadata)
    assert {d[1].name for d in drift if d[0] == "add_table"} == set(metadata.tables) - mine
    assert [d for d in drift if _table(d) in mine and _added(d) not in later] == []


def _table(diff: Any) -> str:
    """The table an Alembic autogenerate difference is about."""
    kind, *rest = diff[0] if isinstance(diff, list) else diff
    if kind in ("add_table", "remove_table"):
        return str(rest[0].name)
    if kind in ("add_index", "remove_index"):
        return str(rest[0].table.name)
    if kind in ("add_fk", "remove_fk", "add_constraint", "remove_constraint"):
        return str(rest[0].table.name)
    return str(rest[1])  # modify_*: (schema, table, column, ...)


def _added(diff: Any) -> tuple[str, str] | None:
    """(table, column) of an `add_column` difference, (table, index) of an `add_index`; None for
    any other."""
    if isinstance(diff, tuple) and diff[0] == "add_column":
        return str(diff[2]), str(diff[3].name)
    if isinstance(diff, tuple) and diff[0] == "add_index":
        return str(diff[1].table.name), str(diff[1].name)
    return None
