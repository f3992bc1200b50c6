"""deletion_fanouts: each recipient a deletion is passed on to, and how that ended (CCPA-15)

Revision ID: 0008_deletion_fanouts
Revises: 0005_requests
Create Date: 2026-11-23 06:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import privet.store.db

revision: str = "0008_deletion_fanouts"
down_revision: str | None = "0005_requests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deletion_fanouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=120), nullable=False),
        sa.Column("recipient_name", sa.String(length=300), nullable=False),
        sa.Column("recipient_kind", sa.String(length=40), nullable=False),
        sa.Column("disclosures", sa.JSON(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_at", privet.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", privet.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("settled_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["data_requests.id"], name=op.f("fk_deletion_fanouts_request_id_data_requests")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deletion_fanouts")),
        sa.UniqueConstraint("request_id", "recipient", name=op.f("uq_deletion_fanouts_request_id")),
    )
    with op.batch_alter_table("deletion_fanouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deletion_fanouts_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deletion_fanouts_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deletion_fanouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deletion_fanouts_status"))
        batch_op.drop_index(batch_op.f("ix_deletion_fanouts_request_id"))
    op.drop_table("deletion_fanouts")
