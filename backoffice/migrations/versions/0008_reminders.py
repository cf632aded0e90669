"""Reminders (relances) of unpaid invoices: ``reminder`` (invoice, level, date, channel, by whom)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("balance", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_reminder_invoice_id_invoice")
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"], ["staff_user.id"], name=op.f("fk_reminder_sent_by_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder")),
        sa.UniqueConstraint("invoice_id", "level", name=op.f("uq_reminder_invoice_id")),
    )
    op.create_index(op.f("ix_reminder_invoice_id"), "reminder", ["invoice_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_reminder_invoice_id"), table_name="reminder")
    op.drop_table("reminder")
