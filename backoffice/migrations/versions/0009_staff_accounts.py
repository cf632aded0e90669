"""Staff accounts: the medical right as a flag, argon2 passwords, régies of a régisseur

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 19:00:00

The medical right was given by the role (administrateur, directeur); it becomes a flag
of the account, set here on those rows so nobody loses it. Régisseurs already in the
database are given every régie, as before (they billed all of them).
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite can): a batch would copy ``staff_user`` into a new table
    # and drop the old one, which the audit trail's foreign keys refuse on a real base.
    op.add_column(
        "staff_user",
        sa.Column("medical_access", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("staff_user", sa.Column("password_hash", sa.String(length=255), nullable=True))
    op.execute("UPDATE staff_user SET medical_access = TRUE WHERE role IN ('admin', 'director')")
    op.create_table(
        "staff_regie",
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column("regie_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["regie_id"], ["regie.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["staff_user_id"], ["staff_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("staff_user_id", "regie_id"),
    )
    op.execute(
        "INSERT INTO staff_regie (staff_user_id, regie_id) "
        "SELECT staff_user.id, regie.id FROM staff_user CROSS JOIN regie "
        "WHERE staff_user.role = 'accountant'"
    )


def downgrade() -> None:
    op.drop_table("staff_regie")
    with op.batch_alter_table("staff_user") as batch:
        batch.drop_column("password_hash")
        batch.drop_column("medical_access")
