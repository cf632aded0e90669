"""PostgreSQL: room in the pages of the rows the sync and the desk edit most

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 01:10:00

A family row is edited again and again (the parents' phone numbers and addresses from
the portal, the desk's edits); its table carries six indexes, one a GIN trigram index
over the search text. With full pages (PostgreSQL's default fill factor, 100 %) every
edit writes the new row version on another page and a new entry in each index, the
trigram index included; with a fifth of each page left free, an edit that changes no
indexed column (phones, address line, class, version) stays on its page (a "HOT"
update) and touches no index. Same for children and guardians. Pages written from now
on keep the room; existing pages get it as they are rewritten. Nothing on SQLite.
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLES = ("family", "child", "guardian")
FILL_FACTOR = 80


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} SET (fillfactor = {FILL_FACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
