"""PayFiP's secure flow: a payment keeps the provider's id of its operation
(``payment.operation_id``, PayFiP's ``idOp``), by which the result is read back.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 16:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("operation_id", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_payment_operation_id"), ["operation_id"])


def downgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_payment_operation_id"), type_="unique")
        batch_op.drop_column("operation_id")
