"""Cheque deposit slips (bordereaux de remise), the payer's bank of a cheque, one line per booking

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deposit_slip",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("regie_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("deposit_date", sa.Date(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("cheque_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_user.id"],
            name=op.f("fk_deposit_slip_created_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["regie_id"], ["regie.id"], name=op.f("fk_deposit_slip_regie_id_regie")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_slip")),
        sa.UniqueConstraint("number", name=op.f("uq_deposit_slip_number")),
        sa.UniqueConstraint("regie_id", "year", "seq", name=op.f("uq_deposit_slip_regie_id")),
    )
    with op.batch_alter_table("payment") as batch:
        batch.add_column(sa.Column("bank", sa.String(length=80), nullable=False, server_default=""))
        batch.add_column(sa.Column("deposit_slip_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_payment_deposit_slip_id_deposit_slip"),
            "deposit_slip",
            ["deposit_slip_id"],
            ["id"],
        )
        batch.create_index(batch.f("ix_payment_deposit_slip_id"), ["deposit_slip_id"], unique=False)
    with op.batch_alter_table("payment") as batch:
        batch.alter_column("bank", server_default=None)
    # Never bill a booking twice, enforced by the database too (and fast to check).
    with op.batch_alter_table("invoice_line") as batch:
        batch.create_unique_constraint(batch.f("uq_invoice_line_booking_id"), ["booking_id"])


def downgrade() -> None:
    with op.batch_alter_table("invoice_line") as batch:
        batch.drop_constraint(batch.f("uq_invoice_line_booking_id"), type_="unique")
    with op.batch_alter_table("payment") as batch:
        batch.drop_index(batch.f("ix_payment_deposit_slip_id"))
        batch.drop_constraint(
            batch.f("fk_payment_deposit_slip_id_deposit_slip"), type_="foreignkey"
        )
        batch.drop_column("deposit_slip_id")
        batch.drop_column("bank")
    op.drop_table("deposit_slip")
