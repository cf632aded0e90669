"""PES V2 exports to the Trésor public and SEPA direct debit (mandates, runs, debits)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pes_export",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("regie_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("bordereau", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("invoice_count", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["regie_id"], ["regie.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["staff_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("regie_id", "year", "bordereau"),
    )
    op.create_index("ix_pes_export_regie_id", "pes_export", ["regie_id"])
    op.create_table(
        "pes_export_invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("export_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["export_id"], ["pes_export.id"]),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoice.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invoice_id"),
    )
    op.create_index("ix_pes_export_invoice_export_id", "pes_export_invoice", ["export_id"])
    op.create_table(
        "sepa_mandate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("debtor_name", sa.String(length=70), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=False),
        sa.Column("reference", sa.String(length=35), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("sequence", sa.String(length=4), nullable=False),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["family_id"], ["family.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
    )
    op.create_index("ix_sepa_mandate_family_id", "sepa_mandate", ["family_id"])
    op.create_table(
        "sepa_debit_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("regie_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("debit_count", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["regie_id"], ["regie.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["staff_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sepa_debit_run_regie_id", "sepa_debit_run", ["regie_id"])
    op.create_table(
        "sepa_debit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("mandate_id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.String(length=4), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("end_to_end_id", sa.String(length=35), nullable=False),
        sa.Column("rejected_on", sa.Date(), nullable=True),
        sa.Column("reject_reason", sa.String(length=4), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["sepa_debit_run.id"]),
        sa.ForeignKeyConstraint(["mandate_id"], ["sepa_mandate.id"]),
        sa.ForeignKeyConstraint(["family_id"], ["family.id"]),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoice.id"]),
        sa.ForeignKeyConstraint(["payment_id"], ["payment.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("payment_id"),
    )
    for column in ("run_id", "mandate_id", "family_id", "invoice_id"):
        op.create_index(f"ix_sepa_debit_{column}", "sepa_debit", [column])


def downgrade() -> None:
    for table in (
        "sepa_debit",
        "sepa_debit_run",
        "sepa_mandate",
        "pes_export_invoice",
        "pes_export",
    ):
        op.drop_table(table)
