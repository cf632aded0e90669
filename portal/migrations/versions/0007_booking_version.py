"""A booked day counts the families' changes to it (``booking.version``): the feed tells
each one with the version it made, and a decision of the service taken on an older
version is refused for that day (the family withdrew or changed it meanwhile).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 16:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_column("version")
