"""An index on outbox.key: an erasure finds the events about a contact's records by their keys.

Revision ID: 0004_outbox_key_index
Revises: 0003_privacy
Create Date: 2026-12-01 20:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004_outbox_key_index"
down_revision: str | None = "0003_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_key", "outbox", ["key"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_key", table_name="outbox")
