"""Consent read model and callbacks' purposes (consent enforcement); erasure.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "known_consents",
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("contact_id", "purpose", name=op.f("pk_known_consents")),
    )
    op.create_table(
        "erased_contacts",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_erased_contacts")),
    )
    with op.batch_alter_table("erased_contacts") as batch:
        batch.create_index(batch.f("ix_erased_contacts_contact_id"), ["contact_id"], unique=False)
    # Callbacks made before purposes existed were all asked for by the customer.
    with op.batch_alter_table("callbacks") as batch:
        batch.add_column(
            sa.Column("purpose", sa.String(length=20), nullable=False, server_default="service")
        )
        batch.add_column(sa.Column("cancel_reason", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("callbacks") as batch:
        batch.drop_column("cancel_reason")
        batch.drop_column("purpose")
    with op.batch_alter_table("erased_contacts") as batch:
        batch.drop_index(batch.f("ix_erased_contacts_contact_id"))
    op.drop_table("erased_contacts")
    op.drop_table("known_consents")
