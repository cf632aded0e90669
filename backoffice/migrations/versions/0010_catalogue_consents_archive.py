"""Catalogue: consents asked and documents required per activity; archived régies, sites, periods

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 19:45:00

Nothing is archived and no activity asks a consent or a document after the upgrade:
the global mandatory consents keep deciding the file's completeness as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activity_consent",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("consent_definition_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activity.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["consent_definition_id"], ["consent_definition.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("activity_id", "consent_definition_id"),
    )
    # Plain ADD COLUMN (SQLite can): a batch would copy each table into a new one and
    # drop the old, which the bookings' and invoices' foreign keys refuse on a real base.
    op.add_column(
        "activity", sa.Column("required_documents", sa.JSON(), nullable=False, server_default="[]")
    )
    for table in ("regie", "site", "period"):
        op.add_column(table, sa.Column("archived_on", sa.Date(), nullable=True))


def downgrade() -> None:
    for table in ("period", "site", "regie"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("archived_on")
    with op.batch_alter_table("activity") as batch:
        batch.drop_column("required_documents")
    op.drop_table("activity_consent")
