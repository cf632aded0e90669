"""family.search_text: accent-free text the families search matches, backfilled

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 07:00:00
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _fold(text: str) -> str:
    # Frozen copy of backoffice.text.fold as of this revision.
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.replace("œ", "oe").replace("æ", "ae").split())


def upgrade() -> None:
    with op.batch_alter_table("family") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))

    conn = op.get_bind()
    family = sa.table(
        "family",
        sa.column("id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("commune", sa.String),
        sa.column("search_text", sa.Text),
    )
    child = sa.table(
        "child",
        sa.column("family_id", sa.Integer),
        sa.column("first_name", sa.String),
        sa.column("last_name", sa.String),
    )
    names: dict[int, list[str]] = {}
    for family_id, first, last in conn.execute(
        sa.select(child.c.family_id, child.c.first_name, child.c.last_name)
    ):
        names.setdefault(family_id, []).extend([first, last])
    rows = conn.execute(sa.select(family.c.id, family.c.code, family.c.name, family.c.commune))
    for family_id, code, name, commune in rows.all():
        text = _fold(" ".join([code, name, commune, *names.get(family_id, [])]))
        conn.execute(family.update().where(family.c.id == family_id).values(search_text=text))


def downgrade() -> None:
    with op.batch_alter_table("family") as batch:
        batch.drop_column("search_text")
