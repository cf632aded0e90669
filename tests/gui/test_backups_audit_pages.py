"""« Sauvegardes » and « Journal des modifications » in Paramètres: what an administrator
sees and does, an agent not seeing them. Screenshots docs/screenshots/settings-*.png."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from backoffice.demo.load import load_demo
from backoffice.models import Role
from backoffice.services.backup.files import list_backups
from backoffice.services.common.audit import record_medical_access
from backoffice.ui import dialogs, files
from backoffice.ui.settings.pages import visible_pages

from .conftest import add_agent

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _demo(db) -> None:
    load_demo(db, families=8, seed=2, today=date(2026, 11, 20))


def test_backups_page_backs_up_now_and_restores(desk_window, sqlite_db, tmp_path):
    _demo(sqlite_db)
    window = desk_window(sqlite_db, add_agent(sqlite_db, "dir", "Directrice", Role.DIRECTOR))
    window.show_area(window.settings)
    page = window.settings.show_page("backups")
    assert page.table.rowCount() == 0
    assert "Aucune sauvegarde" in page.status.text()
    page.backup_now()
    page.backup_now()  # same second or not: the newest of the day is what stays
    assert page.table.rowCount() == 1
    backup = list_backups(Path(page.folder.text()))[0]
    assert page.table.item(0, 1).text() == backup.name
    assert page.table.item(0, 2).text().endswith("Ko")
    window.grab().save(str(SHOTS / "settings-backups.png"))

    truncated = tmp_path / "tronquee.sqlite3"
    truncated.write_bytes(backup.path.read_bytes()[:5000])
    files.scripted_files.append(truncated)
    dialogs.scripted_answers.append(True)
    dialogs.recorded.clear()
    page.restore()
    assert [r.kind for r in dialogs.recorded] == ["question", "warning"]
    assert "endommagée" in dialogs.recorded[1].text
    assert "n'a pas été modifiée" in dialogs.recorded[1].text
    with sqlite_db.session() as session:  # the database is still there, unchanged
        from sqlalchemy import func, select

        from backoffice.models import Family

        assert session.scalar(select(func.count(Family.id))) == 8


def test_audit_page_filters_pages_and_exports(desk_window, sqlite_db, tmp_path):
    _demo(sqlite_db)
    admin = add_agent(sqlite_db, "cbesnard", "Claire Besnard", Role.ADMIN)
    with sqlite_db.session() as session:
        from sqlalchemy import select

        from backoffice.models import Child

        child = session.scalars(select(Child).order_by(Child.id)).first()
        record_medical_access(session, admin, child)
    with sqlite_db.session() as session:  # a few changes, through the audit trail
        from backoffice.models import Family
        from backoffice.services.common.actors import bind

        bind(session, admin)
        for family in session.scalars(select(Family).order_by(Family.id).limit(3)):
            family.billing_email = f"factures.{family.id}@example.org"
    window = desk_window(sqlite_db, admin)
    window.show_area(window.settings)
    page = window.settings.show_page("audit")
    assert page.table.rowCount() > 0
    assert page.person.findData("cbesnard") >= 0
    window.grab().save(str(SHOTS / "settings-audit.png"))

    page.show_medical_access()
    assert page.table.rowCount() == 1
    assert page.table.item(0, 1).text() == "cbesnard"
    assert page.table.item(0, 2).text() == "Fiche sanitaire ouverte"
    window.grab().save(str(SHOTS / "settings-audit-medical.png"))

    files.scripted_folders.append(tmp_path)
    page.export()
    exported = page.last_export
    content = exported.read_bytes().decode("utf-8-sig")
    assert content.count("\r\n") == 2 and "Fiche sanitaire ouverte" in content


def test_an_agent_sees_neither_page(desk_window, sqlite_db):
    window = desk_window(sqlite_db, add_agent(sqlite_db))
    rows = [window.navigation.item(i).text() for i in range(window.navigation.count())]
    assert "Paramètres" not in rows  # no page of it is the desk's
    keys = [page.key for page in visible_pages("agent")]
    assert "backups" not in keys and "audit" not in keys


def test_automatic_backup_once_a_day_and_at_close(qtbot, sqlite_db, sync_runner):
    from backoffice.ui.auto_backup import AutoBackup

    auto = AutoBackup(sqlite_db, sync_runner)
    auto.daily_check()
    first = auto.last
    assert first is not None and first.exists()
    auto.last = None
    auto.daily_check()  # already one today: nothing more
    assert auto.last is None
    auto.at_close()
    assert auto.last is not None and auto.last.parent == first.parent
    assert not auto.last_error
