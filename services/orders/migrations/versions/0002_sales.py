"""The sales half: pipelines (with the default one), opportunities and their stage history, stage
rules and their triggers, quotes and their number counter.

Revision ID: 0002_sales
Revises: 0001_catalog_orders
Create Date: 2026-11-23
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_common.db import UTCDateTime, utcnow

revision: str = "0002_sales"
down_revision: str | None = "0001_catalog_orders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The default pipeline: its id is fixed (crm_orders.pipelines.models.DEFAULT_PIPELINE_ID), its stages
# are those of crm_orders.pipelines.stages.DEFAULT_STAGES, copied here so the history never changes.
DEFAULT_PIPELINE_ID = "00000000-0000-7000-8000-000000000001"
DEFAULT_STAGES = [
    {"name": "initiation", "probability": 10, "kind": "open"},
    {"name": "identification", "probability": 20, "kind": "open"},
    {"name": "qualification", "probability": 40, "kind": "open"},
    {"name": "rfq_received", "probability": 60, "kind": "open"},
    {"name": "quote_sent", "probability": 80, "kind": "open"},
    {"name": "won", "probability": 100, "kind": "won"},
    {"name": "lost", "probability": 0, "kind": "lost"},
]


def upgrade() -> None:
    op.create_table(
        "pipelines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("stages", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipelines")),
        sa.UniqueConstraint("name", name=op.f("uq_pipelines_name")),
    )
    with op.batch_alter_table("pipelines", schema=None) as batch_op:
        batch_op.create_index(
            "uq_pipelines_is_default",
            ["is_default"],
            unique=True,
            postgresql_where=sa.text("is_default"),
            sqlite_where=sa.text("is_default"),
        )

    op.create_table(
        "sales_counters",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sales_counters")),
    )
    op.create_table(
        "opportunities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("pipeline_id", sa.Uuid(), nullable=False),
        sa.Column("stage", sa.String(length=50), nullable=False),
        sa.Column("stage_entry_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.String(length=40), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("expected_close_date", sa.Date(), nullable=True),
        sa.Column("owner_id", sa.String(length=200), nullable=True),
        sa.Column("product_ids", sa.JSON(), nullable=False),
        sa.Column("lost_reason", sa.String(length=500), nullable=True),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pipeline_id"], ["pipelines.id"], name=op.f("fk_opportunities_pipeline_id_pipelines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunities")),
    )
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opportunities_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_opportunities_expected_close_date"),
            ["expected_close_date"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_opportunities_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            "ix_opportunities_pipeline_id_stage", ["pipeline_id", "stage"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_opportunities_stage"), ["stage"], unique=False)

    op.create_table(
        "pipeline_rules",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("pipeline_id", sa.Uuid(), nullable=True),
        sa.Column("stage", sa.String(length=50), nullable=False),
        sa.Column("amount_gt", sa.String(length=40), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("category", sa.String(length=200), nullable=True),
        sa.Column("task_title", sa.String(length=500), nullable=False),
        sa.Column("task_kind", sa.String(length=20), nullable=False),
        sa.Column("task_assignee", sa.String(length=200), nullable=False),
        sa.Column("task_due_in_hours", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pipeline_id"], ["pipelines.id"], name=op.f("fk_pipeline_rules_pipeline_id_pipelines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_rules")),
    )
    with op.batch_alter_table("pipeline_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pipeline_rules_stage"), ["stage"], unique=False)

    op.create_table(
        "opportunity_stage_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("opportunity_id", sa.Uuid(), nullable=False),
        sa.Column("from_stage", sa.String(length=50), nullable=True),
        sa.Column("stage", sa.String(length=50), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("lost_reason", sa.String(length=500), nullable=True),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_opportunity_stage_entries_opportunity_id_opportunities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_stage_entries")),
    )
    with op.batch_alter_table("opportunity_stage_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_opportunity_stage_entries_opportunity_id_id", ["opportunity_id", "id"], unique=False
        )

    op.create_table(
        "quotes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("opportunity_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("total", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("reject_reason", sa.String(length=500), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_quotes_opportunity_id_opportunities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
        sa.UniqueConstraint("number", name=op.f("uq_quotes_number")),
    )
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quotes_opportunity_id"), ["opportunity_id"], unique=False
        )

    op.create_table(
        "rule_triggers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("rule_id", sa.Uuid(), nullable=False),
        sa.Column("opportunity_id", sa.Uuid(), nullable=False),
        sa.Column("stage_entry_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("assignee_id", sa.String(length=200), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_rule_triggers_opportunity_id_opportunities"),
        ),
        sa.ForeignKeyConstraint(
            ["stage_entry_id"],
            ["opportunity_stage_entries.id"],
            name=op.f("fk_rule_triggers_stage_entry_id_opportunity_stage_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_triggers")),
        sa.UniqueConstraint(
            "rule_id", "stage_entry_id", name=op.f("uq_rule_triggers_rule_id_stage_entry_id")
        ),
    )
    with op.batch_alter_table("rule_triggers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rule_triggers_opportunity_id"), ["opportunity_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_rule_triggers_stage_entry_id"), ["stage_entry_id"], unique=False
        )

    pipelines = sa.table(
        "pipelines",
        sa.column("id", sa.Uuid()),
        sa.column("name", sa.String()),
        sa.column("is_default", sa.Boolean()),
        sa.column("stages", sa.JSON()),
        sa.column("version", sa.Integer()),
        sa.column("created_at", UTCDateTime()),
        sa.column("updated_at", UTCDateTime()),
    )
    now = utcnow()

    op.bulk_insert(
        pipelines,
        [
            {
                "id": uuid.UUID(DEFAULT_PIPELINE_ID),
                "name": "Default",
                "is_default": True,
                "stages": DEFAULT_STAGES,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    counters = sa.table(
        "sales_counters", sa.column("name", sa.String()), sa.column("value", sa.Integer())
    )
    op.bulk_insert(counters, [{"name": "quote", "value": 0}])


def downgrade() -> None:
    with op.batch_alter_table("rule_triggers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rule_triggers_stage_entry_id"))
        batch_op.drop_index(batch_op.f("ix_rule_triggers_opportunity_id"))

    op.drop_table("rule_triggers")
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quotes_opportunity_id"))

    op.drop_table("quotes")
    with op.batch_alter_table("opportunity_stage_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_opportunity_stage_entries_opportunity_id_id")

    op.drop_table("opportunity_stage_entries")
    with op.batch_alter_table("pipeline_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pipeline_rules_stage"))

    op.drop_table("pipeline_rules")
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunities_stage"))
        batch_op.drop_index("ix_opportunities_pipeline_id_stage")
        batch_op.drop_index(batch_op.f("ix_opportunities_owner_id"))
        batch_op.drop_index(batch_op.f("ix_opportunities_expected_close_date"))
        batch_op.drop_index(batch_op.f("ix_opportunities_contact_id"))

    op.drop_table("opportunities")
    op.drop_table("sales_counters")
    with op.batch_alter_table("pipelines", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_pipelines_is_default",
            postgresql_where=sa.text("is_default"),
            sqlite_where=sa.text("is_default"),
        )

    op.drop_table("pipelines")
