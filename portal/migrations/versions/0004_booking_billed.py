"""A cancellation accepted by the service says whether the day is still billed
(``booking.billed``, shown to parents and in the answer e-mail).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 08:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.add_column(sa.Column("billed", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_column("billed")
