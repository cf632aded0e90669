"""« Facturation » area, standalone, on the hand-made billing world (tests/billing):
preview totals computed by hand, issue, runs list, PDFs with progress, credit notes,
roles, closing."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

TESTS = Path(__file__).resolve().parent.parent
for _name, _path in (
    ("billing_world", TESTS / "billing" / "billing_world.py"),
    ("portal_testkit", TESTS / "portal_api" / "portal_testkit.py"),
):
    if _name not in sys.modules:
        _spec = importlib.util.spec_from_file_location(_name, _path)
        _module = importlib.util.module_from_spec(_spec)
        sys.modules[_name] = _module
        _spec.loader.exec_module(_module)

from billing_world import build  # noqa: E402
from portal_testkit import smtp_sink  # noqa: E402,F401

from backoffice.models import ClosedPeriod, CreditNote, Invoice, Role  # noqa: E402
from backoffice.paths import invoices_dir  # noqa: E402
from backoffice.services.billing import family_balance  # noqa: E402
from backoffice.services.common.actors import SYSTEM  # noqa: E402
from backoffice.services.settings import smtp as smtp_config  # noqa: E402
from backoffice.ui import dialogs, files  # noqa: E402
from backoffice.ui.billing import BillingArea  # noqa: E402
from backoffice.ui.billing.table import RIGHT  # noqa: E402
from backoffice.ui.qt import QApplication, Qt  # noqa: E402
from backoffice.ui.tasks import TaskRunner  # noqa: E402

from .conftest import add_agent  # noqa: E402

SHOTS = TESTS.parent / "docs" / "screenshots"
D = Decimal


@pytest.fixture
def world(sqlite_db):
    import backoffice.services.billing  # noqa: F401  (ORM guards)

    with sqlite_db.session() as s:
        return build(s)


@pytest.fixture
def accountant(sqlite_db, world):
    return add_agent(sqlite_db, "rdubois", "René Dubois", Role.ACCOUNTANT)


@pytest.fixture(autouse=True)
def clean_files():
    files.opened.clear()
    files.scripted_folders.clear()
    dialogs.scripted_answers.clear()
    yield
    files.opened.clear()
    files.scripted_folders.clear()
    dialogs.scripted_answers.clear()


def make_area(qtbot, db, actor, runner, today):
    area = BillingArea(db, actor, runner, today=today)
    qtbot.addWidget(area)
    area.resize(1280, 800)
    area.show()
    area.reload()
    return area


def choose(area, regie: str, year: int, month: int) -> None:
    area.regie.select(regie)
    area.period.set_month(year, month)


def issue(area, regie, year, month) -> None:
    choose(area, regie, year, month)
    dialogs.scripted_answers.append(True)
    area.issue()


def cell(model, row, column, role=Qt.ItemDataRole.DisplayRole):
    return model.data(model.index(row, column), role)


def shot(widget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()  # pending layout requests (labels just set)
    assert widget.grab().save(str(SHOTS / name))


def test_preview_shows_the_hand_computed_total_and_anomalies(
    qtbot, sqlite_db, world, accountant, sync_runner
):
    area = make_area(qtbot, sqlite_db, accountant, sync_runner, date(2026, 6, 25))
    assert [r.code for r in area.regie.regies] == ["ALSH", "MAC", "PERI"]
    choose(area, "ALSH", 2026, 7)
    area.preview()
    families = area.preview_panel.families
    assert [(f.code, f.lines, f.total) for f in families.rows] == [("F00042", 12, D("129.67"))]
    # Léa 5 × 11.20 + 2 × 11.50, Tom 3 × 10.08 + 10.08 (late cancellation) + 10.35
    assert cell(families, 0, 4) == "129,67\u00a0€"
    assert cell(families, 0, 4, Qt.ItemDataRole.TextAlignmentRole) == RIGHT
    anomalies = area.preview_panel.anomalies
    assert [cell(anomalies, 0, 0), cell(anomalies, 0, 3)] == [
        "Réservation en attente de décision (non facturée)",
        "20/07/2026",
    ]
    assert "129,67" in area.preview_panel.summary.text()
    with sqlite_db.session() as s:  # a preview writes nothing
        assert s.scalar(select(func.count(Invoice.id))) == 0

    choose(area, "PERI", 2026, 3)
    assert area.preview_panel.preview is None  # stale preview dropped
    area.today = date(2026, 4, 2)
    area.preview()
    totals = {f.code: f.total for f in area.preview_panel.family_rows()}
    assert totals == {"F00042": D("24.25"), "F00044": D("2.50")}
    kinds = sorted(cell(anomalies, n, 0) for n in range(anomalies.rowCount()))
    assert kinds == [
        "Adresse de facturation incomplète",
        "Jour réservé sans pointage (non facturé)",
        "QF absent : tranche la plus haute appliquée",
    ]
    shot(area, "billing-preview.png")
    with qtbot.waitSignal(area.open_family, timeout=30_000) as blocker:
        area.preview_panel.families_view.activated.emit(families.index(1, 0))
    assert blocker.args == [world.families["roux"]]


def test_issue_creates_numbered_invoices_and_lists_the_run(
    qtbot, sqlite_db, accountant, sync_runner, no_dialogs
):
    area = make_area(qtbot, sqlite_db, accountant, sync_runner, date(2026, 4, 2))
    choose(area, "PERI", 2026, 3)
    area.preview()
    dialogs.scripted_answers.append(False)  # the agent thinks again
    area.issue()
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count(Invoice.id))) == 0
    question = no_dialogs[-1]
    assert question.kind == "question" and "2 facture(s), total 26,75" in question.text

    dialogs.scripted_answers.append(True)
    area.issue()
    with sqlite_db.session() as s:
        numbers = list(s.scalars(select(Invoice.number).order_by(Invoice.number)))
    assert numbers == ["PERI-2026-00001", "PERI-2026-00002"]
    assert no_dialogs[-1].kind == "information" and "2 facture(s)" in no_dialogs[-1].text
    assert area.tabs.currentWidget() is area.runs
    (run,) = area.runs.runs.rows
    assert (run.regie, run.count, run.total) == ("PERI", 2, D("26.75"))
    assert cell(area.runs.runs, 0, 6) == "PERI-2026-00001 à PERI-2026-00002"
    invoices = area.runs.invoices
    assert [r.number for r in invoices.rows] == numbers
    assert cell(invoices, 0, 7) == "24,25\u00a0€"
    assert cell(invoices, 0, 7, Qt.ItemDataRole.TextAlignmentRole) == RIGHT

    # Issuing the same period again bills nothing more.
    dialogs.scripted_answers.append(True)
    area.issue()
    assert "Rien à facturer" in no_dialogs[-1].text
    assert len(area.runs.runs.rows) == 1


def test_a_desk_agent_cannot_issue_nor_close(qtbot, sqlite_db, world, sync_runner, no_dialogs):
    agent = add_agent(sqlite_db)  # Role.AGENT
    area = make_area(qtbot, sqlite_db, agent, sync_runner, date(2026, 4, 2))
    assert not area.issue_button.isEnabled() and not area.close_button.isEnabled()
    assert area.role_note.isVisibleTo(area)
    assert "Votre rôle (Accueil)" in area.role_note.text()
    choose(area, "PERI", 2026, 3)
    area.preview()  # allowed
    assert len(area.preview_panel.family_rows()) == 2
    shot(area, "billing-agent.png")
    dialogs.scripted_answers.append(True)
    area.issue()  # even if reached, the service refuses
    assert no_dialogs[-1].kind == "warning"
    assert "Votre rôle ne permet pas" in no_dialogs[-1].text
    assert "émettre des factures" in no_dialogs[-1].text
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count(Invoice.id))) == 0


def test_pdf_batch_writes_every_invoice_with_progress(
    qtbot, sqlite_db, accountant, sync_runner, tmp_path
):
    area = make_area(qtbot, sqlite_db, accountant, sync_runner, date(2026, 4, 2))
    issue(area, "PERI", 2026, 3)
    steps = []
    area.runs.pdf_progress.connect(lambda done, total: steps.append((done, total)))
    out = tmp_path / "pdf"
    files.scripted_folders.append(out)
    area.runs.generate_pdfs()
    written = sorted(p.name for p in out.glob("*.pdf"))
    assert written == ["PERI-2026-00001.pdf", "PERI-2026-00002.pdf"]
    assert all((out / name).read_bytes().startswith(b"%PDF") for name in written)
    assert steps == [(0, 2), (1, 2), (2, 2)]
    assert (area.runs.progress.value(), area.runs.progress.maximum()) == (2, 2)
    assert "2 PDF écrit(s)" in area.runs.status.text()
    shot(area, "billing-pdf.png")

    # One invoice in the system viewer (recorded, never launched in tests).
    area.runs.invoices_view.selectRow(1)
    area.runs.open_pdf()
    assert files.opened == [out / "PERI-2026-00002.pdf"]

    # Cancelled folder choice: nothing happens.
    files.scripted_folders.append(None)
    area.runs.generate_pdfs()
    assert steps[-1] == (2, 2) and len(steps) == 3


def test_open_pdf_renders_it_first_when_missing(qtbot, sqlite_db, accountant, sync_runner):
    area = make_area(qtbot, sqlite_db, accountant, sync_runner, date(2026, 6, 25))
    issue(area, "ALSH", 2026, 7)
    area.runs.invoices_view.selectRow(0)
    area.runs.open_pdf()
    (path,) = files.opened
    assert path.name == "ALSH-2026-00001.pdf" and path.read_bytes().startswith(b"%PDF")
    assert invoices_dir(area.runs.current_run().id) == path.parent
    shot(area, "billing-runs.png")


def test_credit_note_changes_the_family_balance(
    qtbot, sqlite_db, accountant, sync_runner, no_dialogs
):
    area = make_area(qtbot, sqlite_db, accountant, sync_runner, date(2026, 6, 25))
    issue(area, "ALSH", 2026, 7)
    area.runs.invoices_view.selectRow(0)
    dialog = area.runs.open_credit_note()
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 12

    # No reason: refused in French, nothing written, nothing lost.
    dialog.check_line(2, "5,00")
    assert not dialog.submit()
    assert "motif" in dialog.error.text()
    dialog.reason.setText("Sortie annulée")
    dialog.check_line(3, "99,00")
    assert not dialog.submit()
    assert "ne peut être créditée que de 11,20" in dialog.error.text()
    dialog.table.item(2, 6).setText("12,5x")
    assert not dialog.submit()
    assert "Montant invalide" in dialog.error.text()
    assert dialog.table.item(2, 6).text() == "12,5x"
    assert dialog.reason.text() == "Sortie annulée"
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count(CreditNote.id))) == 0

    dialog.table.item(2, 6).setText("")  # empty: all that remains of line 3
    dialog.say("")
    shot(dialog, "billing-credit-note.png")
    assert dialog.submit()
    with sqlite_db.session() as s:
        note = s.scalar(select(CreditNote))
        assert (note.number, note.total, note.reason) == (
            "AV-ALSH-2026-00001",
            D("16.20"),
            "Sortie annulée",
        )
        assert family_balance(s, "F00042", "ALSH").balance == D("129.67") - D("16.20")
    assert "AV-ALSH-2026-00001" in no_dialogs[-1].text
    (row,) = area.runs.invoices.rows
    assert (row.credited, row.balance) == (D("16.20"), D("113.47"))

    # The whole invoice: cancelled.
    dialog = area.runs.open_credit_note()
    qtbot.addWidget(dialog)
    dialog.reason.setText("Séjour annulé")
    assert dialog.submit()
    (row,) = area.runs.invoices.rows
    assert row.state_label == "Annulée par avoir" and row.balance == D("0.00")
    assert not area.runs.credit_button.isEnabled()


def test_close_period_and_bad_custom_period(qtbot, sqlite_db, accountant, sync_runner, no_dialogs):
    area = make_area(qtbot, sqlite_db, accountant, sync_runner, date(2026, 4, 2))
    choose(area, "PERI", 2026, 3)
    dialogs.scripted_answers.append(True)
    area.close_period()  # prestations not billed yet: refused
    assert no_dialogs[-1].kind == "warning" and "pas encore facturées" in no_dialogs[-1].text
    issue(area, "PERI", 2026, 3)
    dialogs.scripted_answers.append(True)
    area.close_period()
    assert "clôturée" in no_dialogs[-1].text
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count(ClosedPeriod.id))) == 1

    area.period.set_range(date(2026, 3, 31), date(2026, 3, 1))
    area.preview()
    assert no_dialogs[-1].text == "Période invalide : la fin précède le début."
    area.period.end.setText("31/02/2026")
    area.preview()
    assert "n'est pas une date valide" in no_dialogs[-1].text
    assert area.period.end.text() == "31/02/2026"


def test_issue_and_pdf_batch_through_worker_threads(qtbot, sqlite_db, accountant, tmp_path):
    """The same with the real thread pool: callbacks and progress come back to the GUI."""
    runner = TaskRunner()
    try:
        area = make_area(qtbot, sqlite_db, accountant, runner, date(2026, 4, 2))
        qtbot.waitUntil(lambda: area.regie.count() == 3, timeout=30_000)
        issue(area, "PERI", 2026, 3)
        qtbot.waitUntil(lambda: len(area.runs.invoices.rows) == 2, timeout=30_000)
        steps = []
        area.runs.pdf_progress.connect(lambda done, total: steps.append((done, total)))
        out = tmp_path / "threaded"
        files.scripted_folders.append(out)
        area.runs.generate_pdfs()
        assert not area.runs.pdf_button.isEnabled()  # one batch at a time
        qtbot.waitUntil(lambda: "PDF écrit" in area.runs.status.text(), timeout=30_000)
        assert steps == [(0, 2), (1, 2), (2, 2)]
        assert len(list(out.glob("*.pdf"))) == 2
        assert area.runs.pdf_button.isEnabled()
    finally:
        runner.shutdown(wait=True)


def test_run_sent_by_email_to_the_billing_addresses(
    qtbot,
    sqlite_db,
    accountant,
    sync_runner,
    smtp_sink,  # noqa: F811
    no_dialogs,
):
    with sqlite_db.session() as s:
        smtp_config.save_smtp_settings(
            s,
            SYSTEM,
            host="127.0.0.1",
            port=smtp_sink.port,
            security="none",
            sender="Régie périscolaire <regie@example.org>",
        )
    area = make_area(qtbot, sqlite_db, accountant, sync_runner, date(2026, 4, 2))
    issue(area, "PERI", 2026, 3)
    dialogs.scripted_answers.append(True)
    area.runs.send_emails()
    assert no_dialogs[-1].text == (
        "1 facture(s) envoyée(s) par e-mail, 0 déjà envoyée(s), 1 sans adresse, 0 en échec."
    )
    message = smtp_sink.last_to("martin@example.org")
    assert "PERI-2026-00001" in message.subject
    dialogs.scripted_answers.append(True)
    area.runs.send_emails()  # never twice
    assert no_dialogs[-1].text.startswith("0 facture(s) envoyée(s) par e-mail, 1 déjà")
    assert len(smtp_sink.to("martin@example.org")) == 1


def test_blocking_anomaly_shown_first_and_issue_refused(
    qtbot, sqlite_db, world, accountant, sync_runner, no_dialogs
):
    from datetime import time

    from backoffice.models import Booking, BookingState, Unit

    with sqlite_db.session() as s:
        day_unit = s.get(Unit, world.units["journee"])
        half = Unit(
            activity_id=day_unit.activity_id,
            code="matin",
            name="Demi-journée matin",
            position=2,
            start_time=time(9),
            end_time=time(12),
        )
        s.add(half)
        s.flush()
        s.add(
            Booking(
                child_id=world.children["lea"],
                unit_id=half.id,
                day=date(2026, 7, 21),
                state=BookingState.ACCEPTED,
            )
        )
    area = make_area(qtbot, sqlite_db, accountant, sync_runner, date(2026, 6, 25))
    choose(area, "ALSH", 2026, 7)
    area.preview()
    anomalies = area.preview_panel.anomalies
    assert cell(anomalies, 0, 0) == "Aucun tarif ne s'applique (bloquant)"
    assert cell(anomalies, 0, 0, Qt.ItemDataRole.ForegroundRole) is not None
    families = area.preview_panel.families
    assert cell(families, 0, 0, Qt.ItemDataRole.ForegroundRole) is not None
    assert "1 anomalie(s) bloquante(s)" in area.preview_panel.summary.text()
    dialogs.scripted_answers.append(True)
    area.issue()
    assert no_dialogs[-1].kind == "warning"
    assert no_dialogs[-1].text.startswith("Émission impossible : 1 anomalie(s) bloquante(s)")
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count(Invoice.id))) == 0
