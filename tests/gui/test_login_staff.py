"""The login dialog, the first-run wizard and Paramètres › Personnel."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from backoffice.models import Regie, Role, Settlement, StaffUser
from backoffice.services.common.actors import current_actor
from backoffice.services.staff.accounts import create_first_admin, create_staff
from backoffice.services.staff.passwords import Identification, identification
from backoffice.ui.login import FirstRunDialog, LoginDialog, sign_in
from backoffice.ui.qt import QApplication, QColor, QDialog, QPainter, QPixmap, Qt, QTimer
from backoffice.ui.settings.pages import visible_pages

from .conftest import add_agent

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _screen_shot(dialog, name: str) -> None:
    """The dialog as the agent sees it, centred on a 1280×800 screen."""
    dialog.show()
    QApplication.processEvents()
    shot = QPixmap(1280, 800)
    shot.fill(QColor("#dfe3e8"))
    inner = dialog.grab()
    painter = QPainter(shot)
    painter.drawPixmap((1280 - inner.width()) // 2, (800 - inner.height()) // 2, inner)
    painter.end()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot.save(str(SCREENSHOTS / name))


def _with_accounts(db):
    with db.session() as s:
        admin = create_first_admin(s, "chef", "Claire Chef", "motdepasse-1")
        create_staff(s, admin, "mhuet", "Mélanie Huet", Role.AGENT, password="bonjour-123")


def test_login_dialog_refuses_a_wrong_password_and_opens_with_the_right_one(
    qtbot, sqlite_db, french
):
    _with_accounts(sqlite_db)
    dialog = LoginDialog(sqlite_db, "mhuet")
    qtbot.addWidget(dialog)
    dialog.password_edit.setText("mauvais-mot")
    dialog.ok_button.click()
    assert dialog.result() != QDialog.DialogCode.Accepted and dialog.actor is None
    assert dialog.error.text() == "Identifiant ou mot de passe incorrect."
    assert dialog.password_edit.text() == ""  # typed again, the login kept
    _screen_shot(dialog, "login-dialog.png")
    # An unknown login gets the very same message: nothing tells whether it exists.
    dialog.login_edit.setText("personne")
    dialog.password_edit.setText("bonjour-123")
    dialog.ok_button.click()
    assert dialog.error.text() == "Identifiant ou mot de passe incorrect."
    dialog.login_edit.setText("mhuet")
    dialog.password_edit.setText("bonjour-123")
    dialog.ok_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.actor.login == "mhuet" and dialog.actor.role is Role.AGENT


def test_first_run_wizard_creates_the_first_administrator(qtbot, sqlite_db, french, monkeypatch):
    monkeypatch.delenv("BACKOFFICE_USER", raising=False)
    seen = {}

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        seen["kind"] = type(dialog).__name__
        assert isinstance(dialog, FirstRunDialog)
        dialog.login_edit.setText("lchauvin")
        dialog.name_edit.setText("Laurence Chauvin")
        dialog.password_edit.setText("premier-secret")
        dialog.confirm_edit.setText("autre-chose")
        dialog.create()
        seen["mismatch"] = dialog.error.text()
        dialog.confirm_edit.setText("premier-secret")
        dialog.password_edit.setText("premier-secret")
        _screen_shot(dialog, "first-run-wizard.png")
        dialog.create()

    QTimer.singleShot(0, fill)
    actor = sign_in(sqlite_db)  # a new database, no BACKOFFICE_USER: the wizard
    assert seen == {
        "kind": "FirstRunDialog",
        "mismatch": "Les deux mots de passe ne sont pas identiques.",
    }
    assert actor.login == "lchauvin" and actor.role is Role.ADMIN and actor.sees_medical_data
    with sqlite_db.session() as s:
        user = s.scalar(select(StaffUser))
        assert (user.login, user.full_name) == ("lchauvin", "Laurence Chauvin")
        assert user.password_hash.startswith("$argon2id$")
        assert identification(s) is Identification.PASSWORD

    # Next start: the login dialog, not the wizard.
    def log_in() -> None:
        dialog = QApplication.activeModalWidget()
        seen["next"] = type(dialog).__name__
        dialog.login_edit.setText("lchauvin")
        dialog.password_edit.setText("premier-secret")
        dialog.ok_button.click()

    QTimer.singleShot(0, log_in)
    assert sign_in(sqlite_db).login == "lchauvin"
    assert seen["next"] == "LoginDialog"


def test_personnel_page_creates_and_disables_a_staff_member(desk_window, sqlite_db, qtbot):
    admin = add_agent(sqlite_db, "chef", "Claire Chef", Role.ADMIN)
    with sqlite_db.session() as s:
        for code, name in (("ALSH", "Accueil de loisirs"), ("PERI", "Périscolaire")):
            s.add(Regie(code=code, name=name, invoice_prefix=code, credit_note_prefix="A" + code,
                        settlement=Settlement.DESK))  # fmt: skip
    window = desk_window(sqlite_db, admin)
    window.resize(1280, 800)
    page = window.settings.show_page("staff")
    window.show_area(window.settings)
    assert [page.table.item(r, 0).text() for r in range(page.table.rowCount())] == ["chef"]

    page.start_new()
    page.login_edit.setText("mhuet")
    page.name_edit.setText("Mélanie Huet")
    page.role_combo.setCurrentIndex(page.role_combo.findData(Role.AGENT))
    page.password_edit.setText("court")
    page.save_button.click()
    assert page.error.text() == "Le mot de passe doit compter au moins 8 caractères."
    page.password_edit.setText("bonjour-123")
    page.save_button.click()
    assert page.error.text() == "" and page.done.text() == "Compte créé."
    row = next(r for r in range(page.table.rowCount()) if page.table.item(r, 0).text() == "mhuet")
    assert [page.table.item(row, c).text() for c in range(7)] == [
        "mhuet", "Mélanie Huet", "Accueil", "non", "", "défini", "actif",
    ]  # fmt: skip

    page.start_new()
    page.login_edit.setText("rdubois")
    page.name_edit.setText("René Dubois")
    page.role_combo.setCurrentIndex(page.role_combo.findData(Role.ACCOUNTANT))
    page.regies_list.item(1).setCheckState(Qt.CheckState.Checked)  # PERI
    page.save_button.click()
    assert page.error.text() == ""
    row = next(r for r in range(page.table.rowCount()) if page.table.item(r, 0).text() == "rdubois")
    assert page.table.item(row, 4).text() == "PERI"

    page.select("mhuet")
    assert page.active_button.text() == "Désactiver le compte"
    page.active_button.click()
    row = next(r for r in range(page.table.rowCount()) if page.table.item(r, 0).text() == "mhuet")
    assert page.table.item(row, 6).text() == "désactivé"
    assert page.done.text() == "Compte désactivé (il reste dans l'historique)."
    with sqlite_db.session() as s:
        assert s.scalar(select(StaffUser.active).where(StaffUser.login == "mhuet")) is False
    page.select("rdubois")
    QApplication.processEvents()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SCREENSHOTS / "settings-staff.png"))

    # Passwords from now on: the page says who could no longer log in.
    page.mode_combo.setCurrentIndex(page.mode_combo.findData(Identification.PASSWORD))
    page.mode_combo.activated.emit(page.mode_combo.currentIndex())
    assert page.done.text() == (
        "Identification des agents : Mot de passe. Sans mot de passe, ces comptes ne "
        "pourront plus se connecter : chef, rdubois."
    )
    with sqlite_db.session() as s:
        assert identification(s) is Identification.PASSWORD


def test_an_accueil_user_does_not_see_the_personnel_page(desk_window, sqlite_db):
    agent = add_agent(sqlite_db)
    window = desk_window(sqlite_db, agent)
    # No page of « Paramètres » is the desk's: the area is not listed at all.
    rows = [window.navigation.item(i).text() for i in range(window.navigation.count())]
    assert "Paramètres" not in rows
    assert "staff" not in [p.key for p in visible_pages(agent.role.value)]
    with sqlite_db.session() as s:
        assert current_actor(s, "mhuet").role is Role.AGENT
