"""Row-level access: who is assigned to a contact, and the teams of agents (from routing).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_assignees",
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("agent_id", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_contact_assignees_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("contact_id", "agent_id", name=op.f("pk_contact_assignees")),
    )
    with op.batch_alter_table("contact_assignees", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contact_assignees_agent_id_contact_id", ["agent_id", "contact_id"], unique=False
        )

    op.create_table(
        "known_agents",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_known_agents")),
    )
    with op.batch_alter_table("known_agents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_known_agents_team"), ["team"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("known_agents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_known_agents_team"))
    op.drop_table("known_agents")
    with op.batch_alter_table("contact_assignees", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_assignees_agent_id_contact_id")
    op.drop_table("contact_assignees")
