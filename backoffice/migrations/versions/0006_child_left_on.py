"""A child who left the family's care: ``child.left_on`` (kept in history, not current)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("child") as batch:
        batch.add_column(sa.Column("left_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("child") as batch:
        batch.drop_column("left_on")
