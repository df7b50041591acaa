"""Revoked customer tokens: one token, or every token of a contact issued before a time.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_token_revocations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("jti", sa.String(length=64), nullable=True),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_token_revocations")),
    )
    op.create_index(
        op.f("ix_customer_token_revocations_contact_id"),
        "customer_token_revocations",
        ["contact_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_customer_token_revocations_expires_at"),
        "customer_token_revocations",
        ["expires_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_customer_token_revocations_expires_at"), table_name="customer_token_revocations"
    )
    op.drop_index(
        op.f("ix_customer_token_revocations_contact_id"), table_name="customer_token_revocations"
    )
    op.drop_table("customer_token_revocations")
