"""The contacts read model keeps each contact's assignees: they see its records as its owner does.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 20:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("known_contacts") as batch:
        batch.add_column(
            sa.Column("assignee_ids", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("known_contacts") as batch:
        batch.drop_column("assignee_ids")
