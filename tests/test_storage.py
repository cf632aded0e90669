"""Storage: migrations on both backends, SQLite pragmas, upgrade of an older database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.orm.exc import StaleDataError

from backoffice import storage
from backoffice.models import AllowanceScheme, Base, Family, FamilyQuotient, Regie, Settlement
from backoffice.models.search_index import include_in_schema_comparison
from backoffice.services.database import open_database

pytestmark = pytest.mark.postgres


def test_migrations_create_the_model_schema(db):
    assert storage.current_revision(db.engine) == storage.head_revision()
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={"compare_type": True, "include_name": include_in_schema_comparison},
        )
        assert compare_metadata(ctx, Base.metadata) == []


def test_opening_twice_is_a_no_op(db_url):
    first = open_database(db_url)
    first.dispose()
    second = open_database(db_url)
    assert storage.current_revision(second.engine) == storage.head_revision()
    second.dispose()


def test_money_and_timestamps_round_trip_exactly(db):
    with db.session() as s:
        regie = Regie(
            code="ALSH",
            name="Régie ALSH enfance",
            invoice_prefix="ALSH",
            credit_note_prefix="AV-ALSH",
            settlement=Settlement.DESK_AND_ONLINE,
        )
        s.add(regie)
        fam = Family(code="F00001", name="MARTIN")
        fam.quotients.append(
            FamilyQuotient(quotient=612, valid_from=date(2026, 1, 1), source=AllowanceScheme.CAF)
        )
        s.add(fam)
    with db.session() as s:
        fam = s.scalars(select(Family)).one()
        assert fam.created_at.tzinfo is UTC
        assert fam.quotient_on(date(2026, 6, 1)).quotient == 612
        assert fam.quotient_on(date(2025, 6, 1)) is None


def test_exact_decimal_refuses_floats_and_extra_digits(db):
    from backoffice.models import Activity, ActivityKind, BillingBasis, Site, Tariff, Unit

    with pytest.raises(Exception, match="float"):
        with db.session() as s:
            regie = Regie(
                code="R",
                name="R",
                invoice_prefix="R",
                credit_note_prefix="AV-R",
                settlement=Settlement.DESK,
            )
            site = Site(code="S", name="S")
            act = Activity(
                code="A",
                name="A",
                kind=ActivityKind.ALSH,
                regie=regie,
                site=site,
                billing_basis=BillingBasis.BOOKINGS,
            )
            unit = Unit(code="J", name="Journée", activity=act)
            s.add(Tariff(unit=unit, valid_from=date(2026, 1, 1), price=12.5))
    with db.session() as s:
        regie = Regie(
            code="R",
            name="R",
            invoice_prefix="R",
            credit_note_prefix="AV-R",
            settlement=Settlement.DESK,
        )
        site = Site(code="S", name="S")
        act = Activity(
            code="A",
            name="A",
            kind=ActivityKind.ALSH,
            regie=regie,
            site=site,
            billing_basis=BillingBasis.BOOKINGS,
        )
        unit = Unit(code="J", name="Journée", activity=act)
        s.add(Tariff(unit=unit, valid_from=date(2026, 1, 1), price=Decimal("12.35")))
    with db.session() as s:
        price = s.scalars(select(Tariff.price)).one()
        assert price == Decimal("12.35") and isinstance(price, Decimal)
        raw = s.execute(text("SELECT price FROM tariff")).scalar_one()
        assert raw == 1235


def test_version_column_detects_a_concurrent_edit(db):
    with db.session() as s:
        s.add(Family(code="F00002", name="PETIT"))
    agent_a = db.sessionmaker()
    agent_b = db.sessionmaker()
    fam_a = agent_a.scalars(select(Family)).one()
    fam_b = agent_b.scalars(select(Family)).one()
    agent_b.commit()  # agent B reads, then thinks: no transaction held meanwhile
    fam_a.phone = "02 43 00 00 01"
    agent_a.commit()
    fam_b.phone = "02 43 00 00 02"
    with pytest.raises(StaleDataError):
        agent_b.commit()
    agent_a.close()
    agent_b.close()


def test_an_older_database_is_upgraded_at_start_up(db_url):
    engine = storage.make_engine(db_url)
    storage.upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO family (code, name, account_state, address_line1, address_line2, postcode,"
                " commune, insee_code, phone, login_email, billing_email, allowance_scheme,"
                " allowance_number, notes, version, created_at, updated_at)"
                " VALUES ('F00007', 'LEFÈVRE', 'active', '', '', '72800', 'Le Lude', '72176', '',"
                " '', '', 'caf', '', '', 1, :now, :now)"
            ),
            {"now": datetime(2026, 1, 5, 9, 0)},
        )
        conn.execute(
            text(
                "INSERT INTO child (family_id, last_name, first_name, sex, birth_date, school,"
                " school_class, notes, version, created_at, updated_at)"
                " SELECT id, 'LEFÈVRE', 'Zoé', 'F', :born, '', '', '', 1, :now, :now FROM family"
            ),
            {"now": datetime(2026, 1, 5, 9, 0), "born": date(2018, 3, 2)},
        )
    engine.dispose()

    db = open_database(db_url)
    assert storage.current_revision(db.engine) == storage.head_revision()
    with db.session() as s:
        fam = s.scalars(select(Family)).one()
        assert fam.search_text == "f00007 lefevre le lude zoe lefevre"
        assert fam.children[0].first_name == "Zoé"
    db.dispose()


def test_sqlite_runs_in_wal_with_foreign_keys(sqlite_db):
    with sqlite_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert (
            conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == storage.SQLITE_BUSY_TIMEOUT_MS
        )


def test_default_url_is_a_file_in_the_data_dir(_isolated_dirs):
    assert storage.resolve_database_url() == f"sqlite:///{_isolated_dirs / 'backoffice.sqlite3'}"


def test_environment_url_wins_and_postgres_uses_psycopg(monkeypatch):
    monkeypatch.setenv("BACKOFFICE_DATABASE_URL", "postgresql://u@db.example/bo")
    assert storage.resolve_database_url() == "postgresql+psycopg://u@db.example/bo"
    assert storage.resolve_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_unreachable_server_gives_a_french_error():
    with pytest.raises(storage.StorageError, match="Impossible d'ouvrir la base de données"):
        open_database("postgresql://postgres@127.0.0.1:1/nothing?connect_timeout=2")


def test_a_file_that_is_not_a_database_gives_a_french_error(tmp_path):
    bogus = tmp_path / "notes.sqlite3"
    bogus.write_bytes(b"Ceci n'est pas une base SQLite. " * 200)
    with pytest.raises(storage.StorageError, match="n'est pas une base du back-office"):
        open_database(f"sqlite:///{bogus}")
