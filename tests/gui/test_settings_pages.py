"""« Paramètres »: the collectivity, the mail server (test mail through a real STARTTLS
server, off the GUI thread), the portal and the catalogue TOML pages, as an administrator
sees them at 1280×800."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from smtp_servers import PASSWORD, USER, starttls_server  # noqa: F401
from sqlalchemy import select

from backoffice.models import Regie, Role
from backoffice.services.settings import smtp
from backoffice.sync import settings as sync_settings
from backoffice.ui import files
from backoffice.ui.settings.pages import visible_pages
from backoffice.ui.settings.smtp_page import SmtpPage
from backoffice.ui.tasks import TaskRunner

from .conftest import add_agent

SHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"
EXAMPLE = Path(__file__).resolve().parent.parent.parent / "resources" / "catalogue-exemple.toml"


def open_page(window, key: str):
    window.show_area(window.settings)
    return window.settings.show_page(key)


def shot(window, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SHOTS / name))


@pytest.fixture
def admin(sqlite_db):
    return add_agent(sqlite_db, "admin", "Agnès Admin", Role.ADMIN)


def test_collectivity_page_refuses_a_wrong_siret_then_saves(desk_window, sqlite_db, admin):
    window = desk_window(sqlite_db, admin)
    page = open_page(window, "collectivity")
    page.name.setText("Communauté de communes Sud Sarthe")
    page.address.setPlainText("2 rue de la Mairie\n72800 Le Lude")
    page.siret.setText("217 200 352 00012")
    page.phone.setText("02 43 94 00 00")
    page.email.setText("enfance@comcomsudsarthe.fr")
    assert not page.save()
    assert page.message.isVisible()
    assert "SIRET" in page.message.text() and "clé de contrôle incorrecte" in page.message.text()
    assert "a40000" in page.siret.styleSheet()
    shot(window, "settings-collectivity-refused.png")
    page.siret.setText("217 200 352 00011")
    page.legal.setPlainText("Régie instituée par délibération du 12 mars 2024.")
    assert page.save()
    assert page.message.text().startswith("Paramètres de la collectivité enregistrés")
    assert page.siret.styleSheet() == ""
    shot(window, "settings-collectivity.png")


def test_smtp_page_test_mail_runs_off_the_gui_thread(qtbot, sqlite_db, admin, starttls_server):
    runner = TaskRunner()  # a real thread pool: the mail leaves in the background
    page = SmtpPage(sqlite_db, admin, runner)
    qtbot.addWidget(page)
    page.host.setText("127.0.0.1")
    page.port.setValue(starttls_server.port)
    page.user.setText(USER)
    page.sender.setText("Régie enfance <regie@example.fr>")
    page.ca_bundle.setText(str(starttls_server.certificates.ca_file))
    page.password.setText("mauvais-mot-de-passe")
    page.test_to.setText("it@example.fr")
    assert page.send_test()
    assert page.message.text() == "Envoi du courriel de test à it@example.fr…"
    assert not page.test_button.isEnabled()
    qtbot.waitUntil(lambda: page.test_button.isEnabled(), timeout=15_000)
    assert page.message.text() == (
        "Le serveur SMTP 127.0.0.1 a refusé l'identifiant ou le mot de passe (réponse du "
        "serveur : 535 5.7.8 Authentication credentials invalid)."
    )
    assert starttls_server.messages == []

    page.password.setText(PASSWORD)
    qtbot.mouseClick(page.test_button, qtbot_left())
    qtbot.waitUntil(lambda: page.test_button.isEnabled(), timeout=15_000)
    assert page.message.text().startswith("Courriel de test envoyé à it@example.fr")
    assert "Réponse du serveur : 250 2.0.0 Ok: queued as TEST42" in page.message.text()
    assert [m["To"] for m in starttls_server.messages] == ["it@example.fr"]
    with sqlite_db.session() as s:
        stored = smtp.smtp_settings(s)
    assert stored.ca_bundle == str(starttls_server.certificates.ca_file)
    runner.shutdown()


def qtbot_left():
    from backoffice.ui.qt import Qt

    return Qt.MouseButton.LeftButton


def test_smtp_page_screenshot(desk_window, sqlite_db, admin, starttls_server):
    window = desk_window(sqlite_db, admin)
    page = open_page(window, "smtp")
    page.host.setText("127.0.0.1")
    page.port.setValue(starttls_server.port)
    page.user.setText(USER)
    page.password.setText("mauvais")
    page.sender.setText("Régie enfance <regie@example.fr>")
    page.reply_to.setText("enfance@example.fr")
    page.ca_bundle.setText(str(starttls_server.certificates.ca_file))
    assert page.send_test()  # the window's runner is synchronous here
    assert "535 5.7.8" in page.message.text()
    shot(window, "settings-smtp-refused.png")
    page.password.setText(PASSWORD)
    assert page.send_test()
    assert "Réponse du serveur : 250" in page.message.text()
    page.ca_bundle.setText("C:/Informatique/ca-communaute.pem")  # not the test's temp path
    shot(window, "settings-smtp.png")


def test_portal_page_shares_the_windows_sync_controller(desk_window, sqlite_db, admin):
    window = desk_window(sqlite_db, admin)
    sync_area = window.sync_area  # built before: it must follow the page's changes
    page = open_page(window, "portal")
    assert page.controller is window.sync
    page.setup.url.setText("https://portail.example.fr")
    page.setup.token.setText("jeton-du-back-office")
    assert page.setup.submit()
    assert window.sync.portal_url == "https://portail.example.fr"
    assert window.sync.session_token == "jeton-du-back-office"  # no keyring in the tests
    assert "gardé en mémoire" in page.token_label.text()
    page.interval.setValue(30)
    assert window.sync.interval == 30
    with sqlite_db.session() as s:
        assert sync_settings.automatic_interval(s) == 30
        assert sync_settings.portal_url(s) == "https://portail.example.fr"
    assert sync_area.interval.value() == 30  # the sync area follows
    shot(window, "settings-portal.png")


def test_catalogue_page_exports_then_imports_with_a_french_report(
    desk_window, sqlite_db, admin, tmp_path, no_dialogs
):
    window = desk_window(sqlite_db, admin)
    page = open_page(window, "catalogue_toml")
    source = tmp_path / "catalogue.toml"
    shutil.copy(EXAMPLE, source)
    files.scripted_files[:] = [source]
    assert page.import_file()
    assert page.message.text() == "Catalogue importé."
    assert "Catalogue « catalogue.toml » importé." in page.report.toPlainText()
    with sqlite_db.session() as s:
        assert s.scalars(select(Regie.code)).all()
    shot(window, "settings-catalogue.png")

    exported = tmp_path / "export" / "catalogue.toml"
    files.scripted_files[:] = [exported]
    assert page.export_file()
    assert page.message.text() == f"Catalogue exporté dans {exported}."
    files.scripted_files[:] = [exported]
    assert page.import_file()
    assert page.message.text() == "Catalogue importé : aucun changement."

    broken = tmp_path / "casse.toml"
    broken.write_text(exported.read_text(encoding="utf-8").replace("[[regie]]", "[[regie", 1))
    files.scripted_files[:] = [broken]
    assert page.import_file()
    assert page.message.styleSheet() == "color: #a40000;"
    assert "rien n'a été importé" in page.report.toPlainText()


def test_an_agent_sees_none_of_these_pages(desk_window, sqlite_db):
    window = desk_window(sqlite_db, add_agent(sqlite_db))
    # No page of « Paramètres » is open to the desk: the area is not even listed.
    rows = [window.navigation.item(i).text() for i in range(window.navigation.count())]
    assert "Paramètres" not in rows
    assert not {page.key for page in visible_pages("agent")} & {
        "collectivity",
        "smtp",
        "portal",
        "catalogue_toml",
    }


def test_f1_in_the_settings_opens_their_help():
    from backoffice.ui.help import help_text

    text = help_text("Paramètres")
    assert text.startswith("# Paramètres")
    assert "Envoyer un courriel de test" in text and "TLS implicite" in text
