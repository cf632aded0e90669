"""Password checks slowed down rather than locked: counters of recent failures (per
account, per client address, per pair), the addresses an account signed in from, and
the random key that makes addresses unreadable in those tables. The old
``login_attempt`` log (one row per attempt, identifiers in clear) goes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 16:00:00.000000
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "throttle_counter",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_throttle_counter")),
    )
    op.create_table(
        "known_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("address_key", sa.String(length=64), nullable=False),
        sa.Column("last_success_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["parent_account.id"],
            name=op.f("fk_known_address_account_id_parent_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_known_address")),
        sa.UniqueConstraint("account_id", "address_key", name=op.f("uq_known_address_account_id")),
    )
    with op.batch_alter_table("known_address", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_known_address_account_id"), ["account_id"])
    secret = op.create_table(
        "portal_secret",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_portal_secret")),
    )
    op.bulk_insert(secret, [{"name": "address_key", "value": secrets.token_hex(32)}])
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempt_login_at")
    op.drop_table("login_attempt")


def downgrade() -> None:
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=254), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempt")),
    )
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.create_index("ix_login_attempt_login_at", ["login", "at"], unique=False)
    op.drop_table("portal_secret")
    with op.batch_alter_table("known_address", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_known_address_account_id"))
    op.drop_table("known_address")
    op.drop_table("throttle_counter")
