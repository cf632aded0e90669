"""« Règlements » area, standalone, on the hand-made billing world (tests/billing):
balances, a cheque allocated oldest first with the overpayment kept as credit, bad
input, online payments, Trésor public, unpaid list, cheque deposit slip PDF."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

TESTS = Path(__file__).resolve().parent.parent
if "billing_world" not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        "billing_world", TESTS / "billing" / "billing_world.py"
    )
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["billing_world"] = _module
    _spec.loader.exec_module(_module)

from billing_world import build  # noqa: E402

from backoffice.models import (  # noqa: E402
    Family,
    Invoice,
    InvoiceState,
    Payment,
    PaymentMode,
    PaymentState,
    Role,
)
from backoffice.paths import slips_dir  # noqa: E402
from backoffice.services.billing import (  # noqa: E402
    family_balance,
    issue_run,
    record_online_payment_result,
    record_payment,
)
from backoffice.services.families.queries import refresh_search_text  # noqa: E402
from backoffice.ui import dialogs, files  # noqa: E402
from backoffice.ui.billing.table import RIGHT  # noqa: E402
from backoffice.ui.payments import PaymentsArea  # noqa: E402
from backoffice.ui.qt import QApplication, Qt  # noqa: E402

from .conftest import add_agent  # noqa: E402

SHOTS = TESTS.parent / "docs" / "screenshots"
TODAY = date(2026, 11, 27)
D = Decimal


@pytest.fixture
def billed(sqlite_db):
    """ALSH-2026-00001 (July, 129.67), ALSH-2026-00002 (August, 23.00), PERI March
    (24.25 Martin, 2.50 Roux), MAC March (Petit)."""
    import backoffice.services.billing  # noqa: F401  (ORM guards)

    with sqlite_db.session() as s:
        world = build(s)
        for family in s.scalars(select(Family)):
            refresh_search_text(family)
    for regie, start, end, issued in (
        ("ALSH", date(2026, 7, 1), date(2026, 7, 31), date(2026, 6, 25)),
        ("ALSH", date(2026, 8, 1), date(2026, 8, 31), date(2026, 7, 20)),
        ("PERI", date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 2)),
        ("MAC", date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 2)),
    ):
        with sqlite_db.session() as s:
            issue_run(s, regie, start, end, issue_date=issued)
    return world


@pytest.fixture
def area(qtbot, sqlite_db, billed, sync_runner):
    files.opened.clear()
    dialogs.scripted_answers.clear()
    # Payments are the régisseur's (Role.ACCOUNTANT); accueil is refused by the services.
    agent = add_agent(sqlite_db, "rdubois", "René Dubois", Role.ACCOUNTANT)
    widget = PaymentsArea(sqlite_db, agent, sync_runner, today=TODAY)
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    widget.reload()
    yield widget
    files.opened.clear()
    dialogs.scripted_answers.clear()


def cell(model, row, column, role=Qt.ItemDataRole.DisplayRole):
    return model.data(model.index(row, column), role)


def shot(widget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()  # pending layout requests (labels just set)
    assert widget.grab().save(str(SHOTS / name))


def open_martin(area):
    panel = area.family
    panel.search.setText("martin")
    panel.run_search()
    assert [f.code for f in panel.families.rows] == ["F00042"]
    panel.families_view.selectRow(0)
    return panel


def payments_count(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count(Payment.id)))


def test_family_balance_per_regie_and_open_invoices(area, billed, qtbot):
    panel = open_martin(area)
    balances = {r.regie: r.balance for r in panel.balances.rows}
    assert balances == {"ALSH": D("152.67"), "PERI": D("24.25")}
    assert cell(panel.balances, 0, 6) == "152,67\u00a0€ à payer"
    assert cell(panel.balances, 0, 6, Qt.ItemDataRole.TextAlignmentRole) == RIGHT
    assert "176,92\u00a0€ à payer" in panel.title.text()
    assert [r.number for r in panel.invoices.rows] == [
        "PERI-2026-00001",
        "ALSH-2026-00001",
        "ALSH-2026-00002",
    ]
    # Overdue on 27/11/2026: painted red.
    assert cell(panel.invoices, 0, 7, Qt.ItemDataRole.ForegroundRole) is not None
    shot(area, "payments-family.png")
    panel.open_only.setChecked(False)
    assert len(panel.invoices.rows) == 3  # nothing paid yet: the same three
    with qtbot.waitSignal(area.open_family, timeout=30_000) as blocker:
        panel.file_button.click()
    assert blocker.args == [billed.families["martin"]]


def test_cheque_allocated_oldest_first_overpayment_kept_as_credit(area, sqlite_db, qtbot):
    panel = open_martin(area)
    panel.balances_view.selectRow(0)  # ALSH
    dialog = panel.open_record_dialog()
    qtbot.addWidget(dialog)
    assert dialog.regie.code() == "ALSH"
    dialog.set_mode(PaymentMode.CHEQUE)
    dialog.amount.setText("160,00")
    allocated = [dialog.table.item(n, 5).text() for n in range(dialog.table.rowCount())]
    assert allocated == ["129,67", "23,00"]  # oldest first
    assert "reste en avoir pour la famille : <b>7,33\u00a0€" in dialog.allocation_label.text()
    dialog.bank.setText("Crédit Agricole")
    dialog.cheque_number.setText("1234567")
    dialog.payer.setText("Claire Martin")
    shot(dialog, "payments-record.png")
    assert dialog.submit()

    with sqlite_db.session() as s:
        payment = s.scalar(select(Payment))
        assert (payment.mode, payment.amount, payment.bank, payment.reference) == (
            PaymentMode.CHEQUE,
            D("160.00"),
            "Crédit Agricole",
            "1234567",
        )
        parts = sorted((a.invoice.number, a.amount) for a in payment.allocations)
        assert parts == [("ALSH-2026-00001", D("129.67")), ("ALSH-2026-00002", D("23.00"))]
        alsh = family_balance(s, "F00042", "ALSH").regies[0]
        assert (alsh.balance, alsh.credit) == (D("-7.33"), D("7.33"))
        states = set(s.scalars(select(Invoice.state).where(Invoice.number.like("ALSH%"))))
        assert states == {InvoiceState.PAID}
    assert "7,33\u00a0€ en avoir pour la famille" in dialogs.recorded[-1].text
    # The account is shown again, up to date.
    assert {r.regie: r.balance for r in panel.balances.rows}["ALSH"] == D("-7.33")
    assert cell(panel.balances, 0, 6) == "7,33\u00a0€ en avoir"
    assert cell(panel.balances, 0, 5) == "7,33\u00a0€"


def test_edited_allocation_and_partial_payment(area, sqlite_db, qtbot):
    panel = open_martin(area)
    panel.balances_view.selectRow(0)
    dialog = panel.open_record_dialog()
    qtbot.addWidget(dialog)
    dialog.set_mode(PaymentMode.CASH)
    assert not dialog.bank.isEnabled()
    dialog.amount.setText("30")
    assert [dialog.table.item(n, 5).text() for n in range(2)] == ["30,00", ""]
    # The agent puts it on the August invoice instead.
    dialog.table.item(0, 5).setText("")
    dialog.table.item(1, 5).setText("20,00")
    assert "reste en avoir pour la famille : <b>10,00" in dialog.allocation_label.text()
    assert dialog.submit()
    with sqlite_db.session() as s:
        state = s.scalar(select(Invoice.state).where(Invoice.number == "ALSH-2026-00002"))
        assert state is InvoiceState.PARTIALLY_PAID
        alsh = family_balance(s, "F00042", "ALSH").regies[0]
        assert (alsh.balance, alsh.credit) == (D("122.67"), D("10.00"))

    # The family's credit is then used on the oldest invoice.
    select_alsh = next(n for n, r in enumerate(panel.balances.rows) if r.regie == "ALSH")
    panel.balances_view.selectRow(select_alsh)
    assert panel.credit_button.isEnabled()
    panel.use_credit()
    assert "ALSH-2026-00001 (10,00" in dialogs.recorded[-1].text
    with sqlite_db.session() as s:
        assert family_balance(s, "F00042", "ALSH").regies[0].credit == D("0.00")


def test_bad_input_gives_a_french_message_and_loses_nothing(area, sqlite_db, qtbot):
    panel = open_martin(area)
    panel.balances_view.selectRow(0)
    dialog = panel.open_record_dialog()
    qtbot.addWidget(dialog)
    dialog.set_mode(PaymentMode.CHEQUE)
    dialog.bank.setText("La Poste")
    dialog.cheque_number.setText("7654321")
    dialog.amount.setText("12,5x")
    assert not dialog.submit()
    assert dialog.error.text() == "Montant invalide : « 12,5x » (deux décimales au plus)."
    assert (dialog.amount.text(), dialog.bank.text(), dialog.cheque_number.text()) == (
        "12,5x",
        "La Poste",
        "7654321",
    )
    assert "Saisissez le montant reçu" in dialog.allocation_label.text()

    dialog.amount.setText("12,50")
    dialog.cheque_number.setText("")
    assert not dialog.submit()
    assert "indiquez la banque et le numéro du chèque" in dialog.error.text()
    dialog.cheque_number.setText("7654321")
    dialog.table.item(1, 5).setText("5,00")
    assert not dialog.submit()
    assert "dépassent le montant du règlement" in dialog.error.text()
    dialog.table.item(1, 5).setText("abc")
    assert not dialog.submit()
    assert dialog.error.text().startswith("Affectation à ALSH-2026-00002 : Montant invalide")
    dialog.received.setText("32/13/2026")
    dialog.table.item(1, 5).setText("")
    assert not dialog.submit()
    assert "Date de réception" in dialog.error.text()
    assert payments_count(sqlite_db) == 0
    assert dialog.isVisible()

    dialog.received.setText("26/11/2026")
    dialog.table.item(0, 5).setText("")  # nothing allocated while invoices are open
    assert not dialog.submit()
    assert dialog.error.text().startswith("Affectez le règlement à au moins une facture")
    dialog.table.item(0, 5).setText("12,50")
    assert dialog.submit()
    with sqlite_db.session() as s:
        payment = s.scalar(select(Payment))
        assert (payment.amount, payment.received_on) == (D("12.50"), date(2026, 11, 26))


def test_cesu_refused_by_a_regie_without_young_children(area, sqlite_db, qtbot):
    panel = open_martin(area)
    panel.balances_view.selectRow(0)
    dialog = panel.open_record_dialog()
    qtbot.addWidget(dialog)
    dialog.set_mode(PaymentMode.CESU)
    assert dialog.cesu_note.isVisibleTo(dialog)
    dialog.amount.setText("10,00")
    assert [dialog.table.item(n, 5).text() for n in range(2)] == ["", ""]
    assert not dialog.submit()
    assert dialog.error.text().startswith(
        "Les CESU ne sont acceptés que pour la garde des enfants de moins de 6 ans"
    )
    assert payments_count(sqlite_db) == 0


def test_online_payments_to_watch(area, sqlite_db):
    with sqlite_db.session() as s:
        for ref, amount in (("PAY-1", "129.67"), ("PAY-2", "23.00")):
            record_online_payment_result(
                s,
                portal_ref=ref,
                family_code="F00042",
                regie_code="ALSH",
                amount=amount,
                state="pending_bank_validation",
                invoice_numbers=["ALSH-2026-00001" if ref == "PAY-1" else "ALSH-2026-00002"],
                received_on=date(2026, 11, 20),
            )
        record_online_payment_result(
            s,
            portal_ref="PAY-2",
            family_code="F00042",
            regie_code="ALSH",
            amount="23.00",
            state="refused",
        )
    area.tabs.setCurrentWidget(area.online)
    panel = area.online
    assert [(r.amount, r.state) for r in panel.model.rows] == [
        (D("129.67"), PaymentState.PENDING_BANK_VALIDATION)
    ]
    assert cell(panel.model, 0, 6) == "ALSH-2026-00001"
    panel.set_state(PaymentState.REFUSED)
    assert [r.amount for r in panel.model.rows] == [D("23.00")]
    panel.set_state(None)
    assert len(panel.model.rows) == 2
    assert "2 paiement(s), 152,67" in panel.count.text()
    shot(area, "payments-online.png")


def test_invoices_transmitted_to_the_tresor_public(area, sqlite_db, no_dialogs):
    area.tabs.setCurrentWidget(area.tresor)
    panel = area.tresor
    assert [r.code for r in panel.regie.regies] == ["MAC", "PERI"]
    numbers = [r.number for r in panel.model.rows]
    assert numbers == ["MAC-2026-00001", "PERI-2026-00001", "PERI-2026-00002"]
    panel.regie.select("PERI")
    assert [r.number for r in panel.model.rows] == ["PERI-2026-00001", "PERI-2026-00002"]
    shot(area, "payments-tresor.png")
    panel.transmit()  # nothing selected
    assert "Sélectionnez" in no_dialogs[-1].text
    panel.view.selectAll()
    dialogs.scripted_answers.append(True)
    panel.transmit()
    assert no_dialogs[-1].text.startswith("2 facture(s) transmise(s) au Trésor public")
    assert panel.model.rows == []
    with sqlite_db.session() as s:
        states = set(s.scalars(select(Invoice.state).where(Invoice.number.like("PERI%"))))
        assert states == {InvoiceState.SENT_TO_TRESOR}
        assert family_balance(s, "F00042", "PERI").balance == D("0.00")


def test_unpaid_list_per_regie(area):
    area.tabs.setCurrentWidget(area.unpaid)
    panel = area.unpaid
    panel.regie.select("ALSH")
    rows = panel.model.rows
    assert [(r.number, r.balance, r.days_overdue) for r in rows] == [
        ("ALSH-2026-00001", D("129.67"), 150),  # due 30/06/2026
        ("ALSH-2026-00002", D("23.00"), 119),  # due 31/07/2026: before the holidays
    ]
    assert cell(panel.model, 0, 6) == "150 j"
    assert "2 facture(s) impayée(s), dont 2 en retard — reste dû 152,67" in panel.count.text()
    shot(area, "payments-unpaid.png")
    panel.view.activated.emit(panel.model.index(0, 0))
    assert area.tabs.currentWidget() is area.family
    assert area.family.account.header.code == "F00042"


def test_cheque_deposit_slip_pdf(area, sqlite_db, no_dialogs):
    with sqlite_db.session() as s:
        record_payment(
            s, "F00042", "ALSH", "cheque", "50.00", bank="Crédit Agricole", number="1234567"
        )
        record_payment(s, "F00042", "ALSH", "cheque", "12.50", bank="La Poste", number="7654321")
        record_payment(s, "F00042", "ALSH", "especes", "5.00")
    area.tabs.setCurrentWidget(area.slips)
    panel = area.slips
    panel.regie.select("ALSH")
    assert [(c.bank, c.amount) for c in panel.pending_cheques()] == [
        ("Crédit Agricole", D("50.00")),
        ("La Poste", D("12.50")),
    ]
    assert "2 chèque(s) à remettre, 62,50" in panel.count.text()
    assert cell(panel.cheques, 1, 5, Qt.ItemDataRole.TextAlignmentRole) == RIGHT
    shot(area, "payments-slips.png")
    dialogs.scripted_answers.append(True)
    panel.create_slip()
    (pdf,) = files.opened
    assert pdf.name == "BR-ALSH-2026-00001.pdf" and pdf.read_bytes().startswith(b"%PDF")
    assert "Bordereau BR-ALSH-2026-00001 établi (2 chèque(s), 62,50" in no_dialogs[-1].text
    assert panel.pending_cheques() == []
    assert [(r.number, r.count, r.total) for r in panel.slips.rows] == [
        ("BR-ALSH-2026-00001", 2, D("62.50"))
    ]
    assert not panel.create_button.isEnabled()
    panel.slips_view.selectRow(0)
    panel.print_slip()
    assert files.opened == [pdf, pdf]


def test_a_slip_pdf_that_cannot_be_written_shows_a_french_message(area, sqlite_db, no_dialogs):
    with sqlite_db.session() as s:
        record_payment(
            s, "F00042", "ALSH", "cheque", "50.00", bank="Crédit Agricole", number="1234567"
        )
    blocker = slips_dir()
    blocker.write_text("un fichier là où devrait être le dossier des bordereaux")
    area.tabs.setCurrentWidget(area.slips)
    panel = area.slips
    panel.regie.select("ALSH")
    dialogs.scripted_answers.append(True)
    panel.create_slip()  # recorded; the PDF refused: said, not raised, no crash report
    assert files.opened == []
    assert [r.kind for r in no_dialogs] == ["question", "warning"]
    reason = "un fichier porte déjà ce nom à la place du dossier"
    text = no_dialogs[-1].text
    assert text.startswith("Bordereau BR-ALSH-2026-00001 établi (1 chèque(s), 50,00")
    assert (
        "Le bordereau BR-ALSH-2026-00001 est établi, mais son PDF n'a pas été écrit. "
        f"Impossible de créer le dossier {blocker} : {reason}." in text
    )
    assert "« Ouvrir le PDF du bordereau »" in text
    assert [r.number for r in panel.slips.rows] == ["BR-ALSH-2026-00001"]  # list reloaded
    assert panel.pending_cheques() == []

    panel.slips_view.selectRow(0)
    panel.print_slip()
    assert [r.kind for r in no_dialogs] == ["question", "warning", "warning"]
    assert no_dialogs[-1].text == f"Impossible de créer le dossier {blocker} : {reason}."
    assert files.opened == []

    blocker.unlink()  # the agent fixed it: printed again
    panel.print_slip()
    (pdf,) = files.opened
    assert pdf == blocker / "BR-ALSH-2026-00001.pdf" and pdf.read_bytes().startswith(b"%PDF")


def test_a_cheque_left_out_of_the_slip_stays_to_deposit(area, sqlite_db, no_dialogs):
    with sqlite_db.session() as s:
        record_payment(
            s, "F00042", "ALSH", "cheque", "50.00", bank="Crédit Agricole", number="1234567"
        )
        record_payment(s, "F00042", "ALSH", "cheque", "12.50", bank="La Poste", number="7654321")
    area.tabs.setCurrentWidget(area.slips)
    panel = area.slips
    panel.regie.select("ALSH")
    assert len(panel.pending_cheques()) == 2  # all selected by default
    panel.cheques_view.clearSelection()
    panel.cheques_view.selectRow(1)  # only La Poste goes to the bank today
    dialogs.scripted_answers.append(True)
    panel.create_slip()
    assert [(r.number, r.count, r.total) for r in panel.slips.rows] == [
        ("BR-ALSH-2026-00001", 1, D("12.50"))
    ]
    assert [(c.bank, c.amount) for c in panel.pending_cheques()] == [
        ("Crédit Agricole", D("50.00"))
    ]


def test_cesu_for_the_multi_accueil_of_a_child_under_six(area, sqlite_db, qtbot):
    panel = area.family
    panel.search.setText("petit")
    panel.run_search()
    panel.families_view.selectRow(0)
    assert [r.regie for r in panel.balances.rows] == ["MAC"]
    dialog = panel.open_record_dialog()
    qtbot.addWidget(dialog)
    dialog.set_mode(PaymentMode.CESU)
    assert not dialog.table.isColumnHidden(4)  # « Payable en CESU »
    assert dialog.table.item(0, 4).text() == "25,69\u00a0€"
    dialog.amount.setText("30,00")
    assert dialog.table.item(0, 5).text() == "25,69"
    assert not dialog.submit()  # CESU never become credit
    assert "ne sont pas rendus en avoir" in dialog.error.text()
    assert payments_count(sqlite_db) == 0
    dialog.amount.setText("25,69")
    assert dialog.submit()
    with sqlite_db.session() as s:
        assert family_balance(s, "F00043", "MAC").balance == D("0.00")
