"""Audit: a partial index of the agents' edits per family and moment

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 05:00:00

Every page the sync pulls asks which of its families' fields an agent changed since
the last successful sync (the agent's value is kept, a conflict is raised). The audit
table's indexes on the family and on the moment both hold the portal's own rows,
which outnumber the agents' and grow with each change applied: the question read
them all, more at every page. This index holds the agents' rows only.
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# A frozen copy of backoffice.models.system.STAFF_ROWS as of this revision.
STAFF_ROWS = "actor NOT IN ('portail', 'système')"


def upgrade() -> None:
    op.execute(
        f"CREATE INDEX ix_audit_event_staff_edits ON audit_event (family_id, at) WHERE {STAFF_ROWS}"
    )


def downgrade() -> None:
    op.drop_index("ix_audit_event_staff_edits", table_name="audit_event")
