"""Documents published for everyone by the back-office (the blank account-opening form,
``GET /documents/formulaire-inscription.pdf``).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 17:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "public_document",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_public_document")),
    )


def downgrade() -> None:
    op.drop_table("public_document")
