"""Row-level access: read models of contacts' owners and assignees and of agents' teams.

Revision ID: 0005_row_access
Revises: 0004_outbox_key_index
Create Date: 2026-12-01 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_row_access"
down_revision: str | None = "0004_outbox_key_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "known_contacts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.String(length=200), nullable=True),
        sa.Column("merged_into_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_known_contacts")),
    )
    op.create_index(
        op.f("ix_known_contacts_owner_id"), "known_contacts", ["owner_id"], unique=False
    )
    op.create_index(
        op.f("ix_known_contacts_merged_into_id"), "known_contacts", ["merged_into_id"], unique=False
    )
    op.create_table(
        "known_contact_assignees",
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("agent_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["known_contacts.id"],
            name=op.f("fk_known_contact_assignees_contact_id_known_contacts"),
        ),
        sa.PrimaryKeyConstraint("contact_id", "agent_id", name=op.f("pk_known_contact_assignees")),
    )
    op.create_index(
        op.f("ix_known_contact_assignees_agent_id"),
        "known_contact_assignees",
        ["agent_id"],
        unique=False,
    )
    op.create_table(
        "known_agents",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_known_agents")),
    )
    op.create_index(op.f("ix_known_agents_team"), "known_agents", ["team"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_known_agents_team"), table_name="known_agents")
    op.drop_table("known_agents")
    op.drop_index(
        op.f("ix_known_contact_assignees_agent_id"), table_name="known_contact_assignees"
    )
    op.drop_table("known_contact_assignees")
    op.drop_index(op.f("ix_known_contacts_merged_into_id"), table_name="known_contacts")
    op.drop_index(op.f("ix_known_contacts_owner_id"), table_name="known_contacts")
    op.drop_table("known_contacts")
