"""An index on calls.started_at, for call statistics over a time range.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 12:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_calls_started_at", "calls", ["started_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_calls_started_at", table_name="calls")
