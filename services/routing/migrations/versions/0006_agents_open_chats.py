"""Agents count their open chats: an agent with chats up to its capacity is busy for calls.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 12:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("open_chats", sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE agents SET open_chats = (SELECT count(*) FROM chats"
        " WHERE chats.agent_id = agents.id AND chats.status = 'open')"
    )


def downgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("open_chats")
