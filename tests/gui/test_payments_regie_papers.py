"""« Règlements », the régisseur's papers: the « Relances » tab (preview, letters PDF,
history), « Reçus et avoirs » (receipt and credit-note PDFs), the unpaid list's
« non échues » filter, the « Attestations… » and « Statistiques CAF » dialogs."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

TESTS = Path(__file__).resolve().parent.parent
if "billing_world" not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        "billing_world", TESTS / "billing" / "billing_world.py"
    )
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["billing_world"] = _module
    _spec.loader.exec_module(_module)

from billing_world import build  # noqa: E402

from backoffice.models import Role  # noqa: E402
from backoffice.services.billing import issue_credit_note, issue_run, record_payment  # noqa: E402
from backoffice.ui import dialogs, files  # noqa: E402
from backoffice.ui.payments import PaymentsArea  # noqa: E402
from backoffice.ui.qt import QApplication  # noqa: E402

from .conftest import add_agent  # noqa: E402

SHOTS = TESTS.parent / "docs" / "screenshots"
TODAY = date(2026, 8, 20)
D = Decimal


@pytest.fixture
def world(sqlite_db):
    import backoffice.services.billing  # noqa: F401  (ORM guards)

    with sqlite_db.session() as s:
        w = build(s)
    for regie, start, end, issued in (
        ("ALSH", date(2026, 7, 1), date(2026, 7, 31), date(2026, 6, 25)),  # due 10/07
        ("ALSH", date(2026, 8, 1), date(2026, 8, 31), date(2026, 8, 10)),  # due 25/08
        ("MAC", date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 2)),
    ):
        with sqlite_db.session() as s:
            issue_run(s, regie, start, end, issue_date=issued)
    with sqlite_db.session() as s:
        record_payment(s, "F00043", "MAC", "espèces", "10.00", received_on=date(2026, 4, 10),
                       payer_name="Paul Petit")  # fmt: skip
        issue_credit_note(s, "ALSH-2026-00001", "Journée du 17/07 annulée (fermeture)", lines={1: D("5.00")},
                          issue_date=date(2026, 7, 20))  # fmt: skip
    return w


def make_area(qtbot, db, runner, role):
    files.opened.clear()
    dialogs.scripted_answers.clear()
    agent = add_agent(db, login=f"u-{role.value}", role=role)
    widget = PaymentsArea(db, agent, runner, today=TODAY)
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    widget.reload()
    return widget


@pytest.fixture
def area(qtbot, sqlite_db, world, sync_runner):
    yield make_area(qtbot, sqlite_db, sync_runner, Role.ACCOUNTANT)
    files.opened.clear()
    dialogs.scripted_answers.clear()


def shot(widget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    assert widget.grab().save(str(SHOTS / name))


def test_reminders_tab_sends_letters_and_lists_them(area):
    panel = area.reminders
    area.tabs.setCurrentWidget(panel)
    panel.regie.select("ALSH")
    # ALSH-2026-00001 is due 10/07 (+15 days ≤ 20/08); the Martins have no e-mail.
    assert [(r.number, r.channel_label) for r in panel.candidates.rows] == [
        ("ALSH-2026-00001", "Courrier")
    ]
    assert "1 facture(s) à relancer (0 par courriel, 1 par courrier)" in panel.count.text()
    shot(area, "payments-reminders.png")
    dialogs.scripted_answers.append(True)
    panel.send()
    (pdf,) = files.opened
    assert "RELANCE" in PdfReader(pdf).pages[0].extract_text()
    assert panel.candidates.rows == []
    assert [(r.number, r.level, r.channel_label) for r in panel.history.rows] == [
        ("ALSH-2026-00001", 1, "Courrier")
    ]


def test_unpaid_list_filters_not_yet_due(area):
    area.tabs.setCurrentWidget(area.unpaid)
    panel = area.unpaid
    panel.regie.select("ALSH")
    assert [r.number for r in panel.model.rows] == ["ALSH-2026-00001"]
    panel.not_due.setChecked(True)
    assert [r.number for r in panel.model.rows] == ["ALSH-2026-00001", "ALSH-2026-00002"]


def test_receipt_and_credit_note_pdfs(area):
    panel = area.documents
    area.tabs.setCurrentWidget(panel)
    panel.regie.select("MAC")
    assert [(p.family, p.amount) for p in panel.payments.rows] == [("F00043", D("10.00"))]
    panel.payments_view.selectRow(0)
    panel.print_receipt()
    (receipt,) = files.opened
    assert "REÇU" in PdfReader(receipt).pages[0].extract_text()
    panel.regie.select("ALSH")
    assert [c.invoice for c in panel.credits.rows] == ["ALSH-2026-00001"]
    shot(area, "payments-receipts-credit-notes.png")
    panel.credits_view.selectRow(0)
    panel.open_credit_note()
    credit = files.opened[-1]
    assert "AVOIR" in PdfReader(credit).pages[0].extract_text()


def test_attestations_and_caf_dialogs(area, qtbot):
    dialog = area.open_attestations()
    dialog.resize(640, 400)
    shot(dialog, "payments-attestations-dialog.png")
    dialog.presence.setChecked(True)
    dialog.start.set_date(date(2026, 3, 1))
    dialog.end.set_date(date(2026, 4, 30))
    dialog.run()
    (pdf,) = files.opened
    assert len(PdfReader(pdf).pages) == 3  # the Martins, the Petits, the Roux
    dialog.close()
    caf = area.open_caf()
    caf.start.set_date(date(2026, 1, 1))
    caf.end.set_date(date(2026, 12, 31))
    caf.compute()
    assert caf.mac.rows and caf.alsh.rows
    assert "journées-enfants" in caf.summary.text()
    caf.resize(1280, 800)
    shot(caf, "payments-caf-dialog.png")
    caf.export("xlsx")
    assert files.opened[-1].suffix == ".xlsx" and files.opened[-1].is_file()


def test_desk_agent_gets_no_regie_papers(qtbot, sqlite_db, world, sync_runner):
    widget = make_area(qtbot, sqlite_db, sync_runner, Role.AGENT)
    titles = [widget.tabs.tabText(i) for i in range(widget.tabs.count())]
    assert "Relances" not in titles and "Reçus et avoirs" not in titles
    assert not widget.attestations_button.isEnabled() and not widget.caf_button.isEnabled()


def test_reminder_wording_in_settings(desk_window, sqlite_db):
    window = desk_window(sqlite_db, add_agent(sqlite_db, "regie", "Claire Régie", Role.ACCOUNTANT))
    page = window.settings.show_page("reminders")
    page.level.setCurrentIndex(1)
    assert page.delay.value() == 15 and "{date_relance1}" in page.text.toPlainText()
    page.delay.setValue(20)
    page.subject.setText("Dernier rappel {numero}")
    assert page.save()
    page.subject.setText("Rappel {inconnu}")
    assert not page.save()  # refused with the service's French message
    page.subject.setText("Dernier rappel {numero}")
    window.settings.resize(1280, 800)
    shot(window.settings, "settings-reminders.png")
    from backoffice.services.billing.reminders import reminder_settings

    with sqlite_db.session() as s:
        assert reminder_settings(s)[2].delay_days == 20
        assert reminder_settings(s)[2].subject == "Dernier rappel {numero}"


def test_regie_menu_opens_reminders_and_caf(desk_window, sqlite_db):
    window = desk_window(sqlite_db, add_agent(sqlite_db, "regie", "Claire Régie", Role.ACCOUNTANT))
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Régie")
    actions = {a.text(): a for a in menu.actions()}
    assert list(actions) == [
        "&Relances des factures impayées", "&Attestations…", "&Statistiques CAF…"
    ]  # fmt: skip
    actions["&Relances des factures impayées"].trigger()
    assert window.payments.tabs.currentWidget() is window.payments.reminders
    actions["&Statistiques CAF…"].trigger()
    assert window.payments.dialog is not None
    assert window.payments.dialog.windowTitle() == "Statistiques CAF"
    window.payments.dialog.close()


def test_regie_menu_greyed_for_the_desk_agent(desk_window, sqlite_db):
    window = desk_window(sqlite_db, add_agent(sqlite_db, "accueil", "Accueil", Role.AGENT))
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Régie")
    assert not any(a.isEnabled() for a in menu.actions())
