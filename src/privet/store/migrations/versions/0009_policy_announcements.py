"""policy_announcements: who was told of which material policy change

Revision ID: 0009_policy_announcements
Revises: 0002_consent
Create Date: 2026-11-23 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import privet.store.db

revision: str = "0009_policy_announcements"
down_revision: str | None = "0002_consent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "policy_announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("sent_at", privet.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_policy_announcements_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_announcements")),
        sa.UniqueConstraint("version", "person_id", name=op.f("uq_policy_announcements_version")),
    )
    with op.batch_alter_table("policy_announcements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_announcements_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_announcements_version"), ["version"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("policy_announcements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_announcements_version"))
        batch_op.drop_index(batch_op.f("ix_policy_announcements_person_id"))
    op.drop_table("policy_announcements")
