"""Self-service and data rights: addresses and preferences, erasure requests and their confirmations.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.JSON(none_as_null=True), nullable=True))
        batch_op.add_column(
            sa.Column("preferences", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "erasure_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_erasure_requests_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_requests")),
        sa.UniqueConstraint("contact_id", name=op.f("uq_erasure_requests_contact_id")),
    )
    op.create_table(
        "erasure_confirmations",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("service", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["erasure_requests.id"],
            name=op.f("fk_erasure_confirmations_request_id_erasure_requests"),
        ),
        sa.PrimaryKeyConstraint("request_id", "service", name=op.f("pk_erasure_confirmations")),
    )


def downgrade() -> None:
    op.drop_table("erasure_confirmations")
    op.drop_table("erasure_requests")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.drop_column("preferences")
        batch_op.drop_column("address")
