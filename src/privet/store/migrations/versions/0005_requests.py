"""data-subject requests and the execution state of deletions

Revision ID: 0005_requests
Revises: 0002_consent
Create Date: 2026-11-22 18:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import privet.store.db

revision: str = "0005_requests"
down_revision: str | None = "0002_consent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("regime", sa.String(length=30), nullable=False),
        sa.Column("right_id", sa.String(length=120), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("submitted_by", sa.String(length=20), nullable=False),
        sa.Column("agent", sa.JSON(), nullable=True),
        sa.Column("received_at", privet.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("acknowledge_by", sa.Date(), nullable=True),
        sa.Column("acknowledged_at", privet.store.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("respond_by", sa.Date(), nullable=False),
        sa.Column("extension_days", sa.Integer(), nullable=True),
        sa.Column("extended_to", sa.Date(), nullable=True),
        sa.Column("extended_at", privet.store.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("verification_level", sa.String(length=30), nullable=False),
        sa.Column("verification", sa.JSON(), nullable=False),
        sa.Column("verified_at", privet.store.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("denial_basis", sa.Text(), nullable=True),
        sa.Column("responded_at", privet.store.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("retain_until", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_data_requests_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_requests")),
    )
    with op.batch_alter_table("data_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_data_requests_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_data_requests_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_data_requests_received_at"), ["received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_data_requests_retain_until"), ["retain_until"], unique=False)
        batch_op.create_index(batch_op.f("ix_data_requests_status"), ["status"], unique=False)

    op.create_table(
        "data_request_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("dataset", sa.String(length=120), nullable=False),
        sa.Column("table_name", sa.String(length=120), nullable=False),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=True),
        sa.Column("kept", sa.JSON(), nullable=False),
        sa.Column("erased_rows", sa.Integer(), nullable=False),
        sa.Column("updated_at", privet.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["data_requests.id"], name=op.f("fk_data_request_tasks_request_id_data_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_request_tasks")),
        sa.UniqueConstraint("request_id", "dataset", "table_name", name=op.f("uq_data_request_tasks_request_id")),
    )
    with op.batch_alter_table("data_request_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_data_request_tasks_request_id"), ["request_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("data_request_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_request_tasks_request_id"))
    op.drop_table("data_request_tasks")
    with op.batch_alter_table("data_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_requests_status"))
        batch_op.drop_index(batch_op.f("ix_data_requests_retain_until"))
        batch_op.drop_index(batch_op.f("ix_data_requests_received_at"))
        batch_op.drop_index(batch_op.f("ix_data_requests_person_id"))
        batch_op.drop_index(batch_op.f("ix_data_requests_kind"))
    op.drop_table("data_requests")
