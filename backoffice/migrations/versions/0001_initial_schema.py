"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27 06:26:13.270259
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "consent_definition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=160), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("mandatory", sa.Boolean(), nullable=False),
        sa.Column("min_age_years", sa.Integer(), nullable=True),
        sa.Column("asks_detail", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_definition")),
        sa.UniqueConstraint("code", name=op.f("uq_consent_definition_code")),
    )
    op.create_table(
        "family",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "account_state",
            sa.Enum(
                "form_received",
                "awaiting_activation",
                "active",
                "disabled",
                name="accountstate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("address_line1", sa.String(length=200), nullable=False),
        sa.Column("address_line2", sa.String(length=200), nullable=False),
        sa.Column("postcode", sa.String(length=5), nullable=False),
        sa.Column("commune", sa.String(length=80), nullable=False),
        sa.Column("insee_code", sa.String(length=5), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("login_email", sa.String(length=254), nullable=False),
        sa.Column("pending_login_email", sa.String(length=254), nullable=True),
        sa.Column("billing_email", sa.String(length=254), nullable=False),
        sa.Column(
            "allowance_scheme",
            sa.Enum("caf", "msa", "none", name="allowancescheme", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("allowance_number", sa.String(length=20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family")),
        sa.UniqueConstraint("code", name=op.f("uq_family_code")),
    )
    with op.batch_alter_table("family", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_family_account_state"), ["account_state"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_family_commune"), ["commune"], unique=False)
        batch_op.create_index(batch_op.f("ix_family_name"), ["name"], unique=False)

    op.create_table(
        "outbox_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "acknowledged",
                "failed",
                name="outboxstate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_item")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_item_idempotency_key")),
    )
    with op.batch_alter_table("outbox_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_item_family_id"), ["family_id"], unique=False)
        batch_op.create_index("ix_outbox_item_state_id", ["state", "id"], unique=False)

    op.create_table(
        "quarantined_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_position", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantined_change")),
        sa.UniqueConstraint("feed_position", name=op.f("uq_quarantined_change_feed_position")),
    )
    op.create_table(
        "regie",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("invoice_prefix", sa.String(length=12), nullable=False),
        sa.Column("credit_note_prefix", sa.String(length=16), nullable=False),
        sa.Column(
            "settlement",
            sa.Enum(
                "desk_and_online",
                "desk",
                "tresor_public",
                name="settlement",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("payment_instructions", sa.Text(), nullable=False),
        sa.Column("payment_due_days", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regie")),
        sa.UniqueConstraint("code", name=op.f("uq_regie_code")),
        sa.UniqueConstraint("credit_note_prefix", name=op.f("uq_regie_credit_note_prefix")),
        sa.UniqueConstraint("invoice_prefix", name=op.f("uq_regie_invoice_prefix")),
    )
    op.create_table(
        "setting",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_setting")),
    )
    op.create_table(
        "site",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("postcode", sa.String(length=5), nullable=False),
        sa.Column("commune", sa.String(length=80), nullable=False),
        sa.Column("insee_code", sa.String(length=5), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site")),
        sa.UniqueConstraint("code", name=op.f("uq_site_code")),
    )
    op.create_table(
        "staff_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=80), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "director",
                "agent",
                "accountant",
                name="role",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_user")),
        sa.UniqueConstraint("login", name=op.f("uq_staff_user_login")),
    )
    op.create_table(
        "sync_cursor",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sync_cursor")),
    )
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "periscolaire",
                "alsh",
                "jeunesse",
                "multi_accueil",
                name="activitykind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("regie_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column(
            "billing_basis",
            sa.Enum(
                "bookings", "attendance", "hours", name="billingbasis", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("rank_pricing", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["regie_id"], ["regie.id"], name=op.f("fk_activity_regie_id_regie")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_activity_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity")),
        sa.UniqueConstraint("code", name=op.f("uq_activity_code")),
    )
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_regie_id"), ["regie_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_activity_site_id"), ["site_id"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "create",
                "update",
                "delete",
                "view_medical",
                "decide",
                name="auditaction",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=80), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_user.id"],
            name=op.f("fk_audit_event_staff_user_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_event_entity", ["entity", "entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_family_id"), ["family_id"], unique=False)

    op.create_table(
        "child",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("last_name", sa.String(length=80), nullable=False),
        sa.Column("first_name", sa.String(length=80), nullable=False),
        sa.Column("sex", sa.Enum("F", "M", name="sex", native_enum=False), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("school", sa.String(length=120), nullable=False),
        sa.Column("school_class", sa.String(length=20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["family_id"], ["family.id"], name=op.f("fk_child_family_id_family"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child")),
    )
    with op.batch_alter_table("child", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_child_family_id"), ["family_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_child_first_name"), ["first_name"], unique=False)

    op.create_table(
        "closed_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("regie_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["staff_user.id"],
            name=op.f("fk_closed_period_closed_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["regie_id"], ["regie.id"], name=op.f("fk_closed_period_regie_id_regie")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closed_period")),
    )
    with op.batch_alter_table("closed_period", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_closed_period_regie_id"), ["regie_id"], unique=False)

    op.create_table(
        "family_quotient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("quotient", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column(
            "source",
            sa.Enum("caf", "msa", "none", name="allowancescheme", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["family.id"],
            name=op.f("fk_family_quotient_family_id_family"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_quotient")),
    )
    with op.batch_alter_table("family_quotient", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_family_quotient_family_id"), ["family_id"], unique=False
        )

    op.create_table(
        "guardian",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("civility", sa.String(length=10), nullable=False),
        sa.Column("last_name", sa.String(length=80), nullable=False),
        sa.Column("first_name", sa.String(length=80), nullable=False),
        sa.Column("relationship_label", sa.String(length=40), nullable=False),
        sa.Column("is_payer", sa.Boolean(), nullable=False),
        sa.Column("mobile_phone", sa.String(length=20), nullable=False),
        sa.Column("home_phone", sa.String(length=20), nullable=False),
        sa.Column("work_phone", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("profession", sa.String(length=80), nullable=False),
        sa.Column("employer", sa.String(length=120), nullable=False),
        sa.Column("address_line1", sa.String(length=200), nullable=False),
        sa.Column("postcode", sa.String(length=5), nullable=False),
        sa.Column("commune", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["family.id"],
            name=op.f("fk_guardian_family_id_family"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guardian")),
        sa.UniqueConstraint("family_id", "rank", name=op.f("uq_guardian_family_id")),
    )
    with op.batch_alter_table("guardian", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guardian_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_guardian_family_id"), ["family_id"], unique=False)

    op.create_table(
        "invoice_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("regie_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column(
            "state",
            sa.Enum("draft", "issued", name="invoicerunstate", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_user.id"],
            name=op.f("fk_invoice_run_created_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["regie_id"], ["regie.id"], name=op.f("fk_invoice_run_regie_id_regie")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_run")),
    )
    with op.batch_alter_table("invoice_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_run_regie_id"), ["regie_id"], unique=False)

    op.create_table(
        "number_sequence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("regie_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("invoice", "credit_note", name="documentkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["regie_id"], ["regie.id"], name=op.f("fk_number_sequence_regie_id_regie")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_number_sequence")),
        sa.UniqueConstraint("regie_id", "kind", "year", name=op.f("uq_number_sequence_regie_id")),
    )
    op.create_table(
        "payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("regie_id", sa.Integer(), nullable=False),
        sa.Column(
            "mode",
            sa.Enum(
                "cheque",
                "cash",
                "card",
                "ancv",
                "cesu",
                "transfer",
                "online",
                "tresor_public",
                name="paymentmode",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending_bank_validation",
                "validated",
                "refused",
                name="paymentstate",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("reference", sa.String(length=80), nullable=False),
        sa.Column("payer_name", sa.String(length=120), nullable=False),
        sa.Column("portal_ref", sa.String(length=64), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["family_id"], ["family.id"], name=op.f("fk_payment_family_id_family")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["staff_user.id"], name=op.f("fk_payment_recorded_by_id_staff_user")
        ),
        sa.ForeignKeyConstraint(["regie_id"], ["regie.id"], name=op.f("fk_payment_regie_id_regie")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
        sa.UniqueConstraint("portal_ref", name=op.f("uq_payment_portal_ref")),
    )
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_family_id"), ["family_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_regie_id"), ["regie_id"], unique=False)

    op.create_table(
        "payment_window",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("regie_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["regie_id"],
            ["regie.id"],
            name=op.f("fk_payment_window_regie_id_regie"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_window")),
    )
    with op.batch_alter_table("payment_window", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_window_regie_id"), ["regie_id"], unique=False)

    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("last_name", sa.String(length=80), nullable=False),
        sa.Column("first_name", sa.String(length=80), nullable=False),
        sa.Column("relationship_label", sa.String(length=40), nullable=False),
        sa.Column("address_line1", sa.String(length=200), nullable=False),
        sa.Column("postcode", sa.String(length=5), nullable=False),
        sa.Column("commune", sa.String(length=80), nullable=False),
        sa.Column("phone1", sa.String(length=20), nullable=False),
        sa.Column("phone2", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["family.id"],
            name=op.f("fk_person_family_id_family"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_family_id"), ["family_id"], unique=False)

    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=80), nullable=False),
        sa.Column("agent_value", sa.Text(), nullable=True),
        sa.Column("portal_value", sa.Text(), nullable=True),
        sa.Column("detected_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.String(length=20), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["staff_user.id"],
            name=op.f("fk_sync_conflict_resolved_by_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflict")),
    )
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_conflict_family_id"), ["family_id"], unique=False)

    op.create_table(
        "closure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_closure_activity_id_activity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closure")),
    )
    with op.batch_alter_table("closure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_closure_activity_id"), ["activity_id"], unique=False)

    op.create_table(
        "age_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("min_age_months", sa.Integer(), nullable=False),
        sa.Column("max_age_months", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_age_group_activity_id_activity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_age_group")),
        sa.UniqueConstraint("activity_id", "code", name=op.f("uq_age_group_activity_id")),
    )
    op.create_table(
        "child_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("emergency_contact", sa.Boolean(), nullable=False),
        sa.Column("authorised_pickup", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
            name=op.f("fk_child_contact_child_id_child"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_child_contact_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_contact")),
        sa.UniqueConstraint("child_id", "person_id", name=op.f("uq_child_contact_child_id")),
    )
    op.create_table(
        "consent_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("consent_id", sa.Integer(), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
            name=op.f("fk_consent_answer_child_id_child"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consent_definition.id"],
            name=op.f("fk_consent_answer_consent_id_consent_definition"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_answer")),
        sa.UniqueConstraint("child_id", "consent_id", name=op.f("uq_consent_answer_child_id")),
    )
    op.create_table(
        "disease_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("disease", sa.String(length=40), nullable=False),
        sa.Column("had", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
            name=op.f("fk_disease_history_child_id_child"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disease_history")),
        sa.UniqueConstraint("child_id", "disease", name=op.f("uq_disease_history_child_id")),
    )
    op.create_table(
        "invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("regie_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "issued",
                "partially_paid",
                "paid",
                "sent_to_tresor",
                "cancelled",
                name="invoicestate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("billing_name", sa.String(length=200), nullable=False),
        sa.Column("billing_address", sa.Text(), nullable=False),
        sa.Column("billing_email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["family_id"], ["family.id"], name=op.f("fk_invoice_family_id_family")
        ),
        sa.ForeignKeyConstraint(["regie_id"], ["regie.id"], name=op.f("fk_invoice_regie_id_regie")),
        sa.ForeignKeyConstraint(
            ["run_id"], ["invoice_run.id"], name=op.f("fk_invoice_run_id_invoice_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice")),
        sa.UniqueConstraint("number", name=op.f("uq_invoice_number")),
        sa.UniqueConstraint("regie_id", "year", "seq", name=op.f("uq_invoice_regie_id")),
    )
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_family_id"), ["family_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoice_regie_id"), ["regie_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoice_run_id"), ["run_id"], unique=False)

    op.create_table(
        "medical_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("allergy_asthma", sa.Boolean(), nullable=False),
        sa.Column("allergy_food", sa.Boolean(), nullable=False),
        sa.Column("allergy_medication", sa.Boolean(), nullable=False),
        sa.Column("allergy_other", sa.Boolean(), nullable=False),
        sa.Column("allergy_detail", sa.Text(), nullable=False),
        sa.Column("medical_history", sa.Text(), nullable=False),
        sa.Column("wears_glasses", sa.Boolean(), nullable=False),
        sa.Column("wears_lenses", sa.Boolean(), nullable=False),
        sa.Column("dental_appliance", sa.Boolean(), nullable=False),
        sa.Column("hearing_aid", sa.Boolean(), nullable=False),
        sa.Column("sleep_difficulties", sa.Boolean(), nullable=False),
        sa.Column("enuresis", sa.Boolean(), nullable=False),
        sa.Column("observations", sa.Text(), nullable=False),
        sa.Column("doctor_name", sa.String(length=120), nullable=False),
        sa.Column("doctor_phone", sa.String(length=20), nullable=False),
        sa.Column("doctor_commune", sa.String(length=80), nullable=False),
        sa.Column("has_pai", sa.Boolean(), nullable=False),
        sa.Column("pai_detail", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
            name=op.f("fk_medical_record_child_id_child"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medical_record")),
        sa.UniqueConstraint("child_id", name=op.f("uq_medical_record_child_id")),
    )
    op.create_table(
        "period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "school_year", "holidays", "other", name="periodkind", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("booking_opens_on", sa.Date(), nullable=True),
        sa.Column("booking_closes_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_period_activity_id_activity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period")),
        sa.UniqueConstraint("activity_id", "code", name=op.f("uq_period_activity_id")),
    )
    op.create_table(
        "processing_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("booking_notice_days", sa.Integer(), nullable=False),
        sa.Column("booking_notice_time", sa.Time(), nullable=False),
        sa.Column("cancel_notice_days", sa.Integer(), nullable=False),
        sa.Column("cancel_notice_time", sa.Time(), nullable=False),
        sa.Column("skip_weekends", sa.Boolean(), nullable=False),
        sa.Column("skip_public_holidays", sa.Boolean(), nullable=False),
        sa.Column("auto_accept", sa.Boolean(), nullable=False),
        sa.Column(
            "when_full",
            sa.Enum("waiting_list", "request", name="whenfull", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("registration_requires_complete_file", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_processing_rule_activity_id_activity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processing_rule")),
        sa.UniqueConstraint("activity_id", name=op.f("uq_processing_rule_activity_id")),
    )
    op.create_table(
        "unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=True),
        sa.Column("end_time", sa.Time(), nullable=True),
        sa.Column(
            "billing_unit",
            sa.Enum("each", "hour", name="billingunit", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("weekdays", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_unit_activity_id_activity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit")),
        sa.UniqueConstraint("activity_id", "code", name=op.f("uq_unit_activity_id")),
    )
    op.create_table(
        "vaccination",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("vaccine", sa.String(length=40), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
            name=op.f("fk_vaccination_child_id_child"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vaccination")),
        sa.UniqueConstraint("child_id", "vaccine", name=op.f("uq_vaccination_child_id")),
    )
    op.create_table(
        "capacity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("age_group_id", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["age_group_id"],
            ["age_group.id"],
            name=op.f("fk_capacity_age_group_id_age_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_capacity_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity")),
    )
    with op.batch_alter_table("capacity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_capacity_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "credit_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("regie_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_user.id"],
            name=op.f("fk_credit_note_created_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_credit_note_invoice_id_invoice")
        ),
        sa.ForeignKeyConstraint(
            ["regie_id"], ["regie.id"], name=op.f("fk_credit_note_regie_id_regie")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_note")),
        sa.UniqueConstraint("number", name=op.f("uq_credit_note_number")),
        sa.UniqueConstraint("regie_id", "year", "seq", name=op.f("uq_credit_note_regie_id")),
    )
    with op.batch_alter_table("credit_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_note_invoice_id"), ["invoice_id"], unique=False)

    op.create_table(
        "payment_allocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_payment_allocation_invoice_id_invoice")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payment.id"],
            name=op.f("fk_payment_allocation_payment_id_payment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_allocation")),
        sa.UniqueConstraint(
            "payment_id", "invoice_id", name=op.f("uq_payment_allocation_payment_id")
        ),
    )
    with op.batch_alter_table("payment_allocation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_allocation_invoice_id"), ["invoice_id"], unique=False
        )

    op.create_table(
        "portal_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_ref", sa.String(length=64), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "registration",
                "booking",
                "cancellation",
                "file_change",
                "login_email_change",
                name="requestkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=True),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("period_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "accepted",
                "refused",
                "partial",
                name="requeststate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("answer_text", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activity.id"], name=op.f("fk_portal_request_activity_id_activity")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
            name=op.f("fk_portal_request_child_id_child"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["staff_user.id"],
            name=op.f("fk_portal_request_decided_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["family.id"],
            name=op.f("fk_portal_request_family_id_family"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["period_id"], ["period.id"], name=op.f("fk_portal_request_period_id_period")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_request")),
        sa.UniqueConstraint("portal_ref", name=op.f("uq_portal_request_portal_ref")),
    )
    with op.batch_alter_table("portal_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portal_request_family_id"), ["family_id"], unique=False
        )
        batch_op.create_index("ix_portal_request_state_kind", ["state", "kind"], unique=False)

    op.create_table(
        "registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("age_group_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "requested",
                "accepted",
                "refused",
                "cancelled",
                name="registrationstate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum("desk", "portal", name="source", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activity.id"], name=op.f("fk_registration_activity_id_activity")
        ),
        sa.ForeignKeyConstraint(
            ["age_group_id"], ["age_group.id"], name=op.f("fk_registration_age_group_id_age_group")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
            name=op.f("fk_registration_child_id_child"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["staff_user.id"],
            name=op.f("fk_registration_decided_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["period_id"], ["period.id"], name=op.f("fk_registration_period_id_period")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration")),
        sa.UniqueConstraint("child_id", "period_id", name=op.f("uq_registration_child_id")),
    )
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registration_activity_id"), ["activity_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_registration_child_id"), ["child_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_registration_period_id"), ["period_id"], unique=False)

    op.create_table(
        "tariff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("qf_min", sa.Integer(), nullable=False),
        sa.Column("qf_max", sa.Integer(), nullable=True),
        sa.Column("child_rank", sa.Integer(), nullable=True),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_tariff_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tariff")),
    )
    with op.batch_alter_table("tariff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tariff_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "requested",
                "accepted",
                "refused",
                "waiting_list",
                "cancel_requested",
                "cancelled",
                name="bookingstate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum("desk", "portal", name="source", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("cancel_requested_at", sa.DateTime(), nullable=True),
        sa.Column("cancellation_billed", sa.Boolean(), nullable=False),
        sa.Column(
            "attendance",
            sa.Enum(
                "present",
                "absent_justified",
                "absent",
                name="attendance",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("arrival_time", sa.Time(), nullable=True),
        sa.Column("departure_time", sa.Time(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["child.id"], name=op.f("fk_booking_child_id_child"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["staff_user.id"], name=op.f("fk_booking_decided_by_id_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
            name=op.f("fk_booking_registration_id_registration"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_booking_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking")),
        sa.UniqueConstraint("child_id", "unit_id", "day", name=op.f("uq_booking_child_id")),
    )
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_booking_child_id"), ["child_id"], unique=False)
        batch_op.create_index(
            "ix_booking_unit_day_state", ["unit_id", "day", "state"], unique=False
        )

    op.create_table(
        "invoice_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("tariff_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("qf_bracket", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["booking.id"], name=op.f("fk_invoice_line_booking_id_booking")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["child.id"], name=op.f("fk_invoice_line_child_id_child")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_invoice_line_invoice_id_invoice")
        ),
        sa.ForeignKeyConstraint(
            ["tariff_id"], ["tariff.id"], name=op.f("fk_invoice_line_tariff_id_tariff")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_invoice_line_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_line")),
    )
    with op.batch_alter_table("invoice_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoice_line_invoice_id"), ["invoice_id"], unique=False
        )

    op.create_table(
        "request_booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["booking.id"],
            name=op.f("fk_request_booking_booking_id_booking"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["portal_request.id"],
            name=op.f("fk_request_booking_request_id_portal_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_booking")),
        sa.UniqueConstraint("request_id", "booking_id", name=op.f("uq_request_booking_request_id")),
    )
    op.create_table(
        "credit_note_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_note_id", sa.Integer(), nullable=False),
        sa.Column("invoice_line_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["credit_note_id"],
            ["credit_note.id"],
            name=op.f("fk_credit_note_line_credit_note_id_credit_note"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_line_id"],
            ["invoice_line.id"],
            name=op.f("fk_credit_note_line_invoice_line_id_invoice_line"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_note_line")),
    )
    with op.batch_alter_table("credit_note_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_note_line_credit_note_id"), ["credit_note_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("closure")

    with op.batch_alter_table("credit_note_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_note_line_credit_note_id"))

    op.drop_table("credit_note_line")
    op.drop_table("request_booking")
    with op.batch_alter_table("invoice_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_line_invoice_id"))

    op.drop_table("invoice_line")
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_unit_day_state")
        batch_op.drop_index(batch_op.f("ix_booking_child_id"))

    op.drop_table("booking")
    with op.batch_alter_table("tariff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tariff_unit_id"))

    op.drop_table("tariff")
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registration_period_id"))
        batch_op.drop_index(batch_op.f("ix_registration_child_id"))
        batch_op.drop_index(batch_op.f("ix_registration_activity_id"))

    op.drop_table("registration")
    with op.batch_alter_table("portal_request", schema=None) as batch_op:
        batch_op.drop_index("ix_portal_request_state_kind")
        batch_op.drop_index(batch_op.f("ix_portal_request_family_id"))

    op.drop_table("portal_request")
    with op.batch_alter_table("payment_allocation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_allocation_invoice_id"))

    op.drop_table("payment_allocation")
    with op.batch_alter_table("credit_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_note_invoice_id"))

    op.drop_table("credit_note")
    with op.batch_alter_table("capacity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_capacity_unit_id"))

    op.drop_table("capacity")
    op.drop_table("vaccination")
    op.drop_table("unit")
    op.drop_table("processing_rule")
    op.drop_table("period")
    op.drop_table("medical_record")
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_run_id"))
        batch_op.drop_index(batch_op.f("ix_invoice_regie_id"))
        batch_op.drop_index(batch_op.f("ix_invoice_family_id"))

    op.drop_table("invoice")
    op.drop_table("disease_history")
    op.drop_table("consent_answer")
    op.drop_table("child_contact")
    op.drop_table("age_group")
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_conflict_family_id"))

    op.drop_table("sync_conflict")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_family_id"))

    op.drop_table("person")
    with op.batch_alter_table("payment_window", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_window_regie_id"))

    op.drop_table("payment_window")
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_regie_id"))
        batch_op.drop_index(batch_op.f("ix_payment_family_id"))

    op.drop_table("payment")
    op.drop_table("number_sequence")
    with op.batch_alter_table("invoice_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_run_regie_id"))

    op.drop_table("invoice_run")
    with op.batch_alter_table("guardian", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guardian_family_id"))
        batch_op.drop_index(batch_op.f("ix_guardian_email"))

    op.drop_table("guardian")
    with op.batch_alter_table("family_quotient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_family_quotient_family_id"))

    op.drop_table("family_quotient")
    with op.batch_alter_table("closed_period", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_closed_period_regie_id"))

    op.drop_table("closed_period")
    with op.batch_alter_table("child", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_child_first_name"))
        batch_op.drop_index(batch_op.f("ix_child_family_id"))

    op.drop_table("child")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_family_id"))
        batch_op.drop_index("ix_audit_event_entity")
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))

    op.drop_table("audit_event")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_site_id"))
        batch_op.drop_index(batch_op.f("ix_activity_regie_id"))

    op.drop_table("activity")
    op.drop_table("sync_cursor")
    op.drop_table("staff_user")
    op.drop_table("site")
    op.drop_table("setting")
    op.drop_table("regie")
    op.drop_table("quarantined_change")
    with op.batch_alter_table("outbox_item", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_item_state_id")
        batch_op.drop_index(batch_op.f("ix_outbox_item_family_id"))

    op.drop_table("outbox_item")
    with op.batch_alter_table("family", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_family_name"))
        batch_op.drop_index(batch_op.f("ix_family_commune"))
        batch_op.drop_index(batch_op.f("ix_family_account_state"))

    op.drop_table("family")
    op.drop_table("consent_definition")
