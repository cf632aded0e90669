"""audit_event.child_id (history per child) and family.activated_at

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("child_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_audit_event_child_id"), ["child_id"], unique=False)
    with op.batch_alter_table("family") as batch:
        batch.add_column(sa.Column("activated_at", sa.DateTime(), nullable=True))
    # Families already active were activated at some unknown time before this revision.
    family = sa.table(
        "family",
        sa.column("account_state", sa.String),
        sa.column("activated_at", sa.DateTime),
        sa.column("created_at", sa.DateTime),
    )
    op.get_bind().execute(
        family.update()
        .where(family.c.account_state.in_(["active", "disabled"]))
        .values(activated_at=family.c.created_at)
    )


def downgrade() -> None:
    with op.batch_alter_table("family") as batch:
        batch.drop_column("activated_at")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_index(batch.f("ix_audit_event_child_id"))
        batch.drop_column("child_id")
