"""An autorisation asked only from a minimum age (``consent_definition.min_age_years``,
as the back-office defines it): a younger child's registration does not wait for it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 22:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("consent_definition", sa.Column("min_age_years", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("consent_definition", schema=None) as batch_op:
        batch_op.drop_column("min_age_years")
