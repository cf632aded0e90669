"""The régisseur's PES and SEPA screens on a demo month: the PES file made from the
Trésor public tab, « Prélèvements SEPA » (mandate, run, reject), the family card's flag,
Paramètres › Trésor public (PES V2); the desk role sees none of it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

TESTS = Path(__file__).resolve().parent.parent
if "collection_world" not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        "collection_world", TESTS / "billing" / "collection_world.py"
    )
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["collection_world"] = _module
    _spec.loader.exec_module(_module)

from collection_world import GOOD_BIC, GOOD_IBAN, SETTINGS, TODAY, demo_month  # noqa: E402

from backoffice.models import Family, Invoice, InvoiceState, PesExport, Role  # noqa: E402
from backoffice.services.common.actors import current_actor  # noqa: E402
from backoffice.ui import dialogs, files  # noqa: E402
from backoffice.ui.families.family_view import FamilyView  # noqa: E402
from backoffice.ui.payments import PaymentsArea  # noqa: E402
from backoffice.ui.qt import QApplication  # noqa: E402
from backoffice.ui.settings.collection_page import CollectionSettingsPage  # noqa: E402

from .conftest import add_agent  # noqa: E402

SHOTS = TESTS.parent / "docs" / "screenshots"


def shot(widget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    assert widget.grab().save(str(SHOTS / name))


@pytest.fixture
def month(sqlite_db):
    demo_month(sqlite_db, "PERI", "ALSH")
    return sqlite_db


@pytest.fixture
def regisseur(month):
    """The demo's régisseur."""
    with month.session() as s:
        actor = current_actor(s, "jfoucault")
    assert actor.role is Role.ACCOUNTANT
    return actor


def area_for(qtbot, db, actor, runner) -> PaymentsArea:
    files.opened.clear()
    dialogs.scripted_answers.clear()
    widget = PaymentsArea(db, actor, runner, today=TODAY)
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    widget.reload()
    return widget


def test_pes_file_from_the_tresor_public_tab(qtbot, month, regisseur, sync_runner, tmp_path):
    area = area_for(qtbot, month, regisseur, sync_runner)
    area.tabs.setCurrentWidget(area.tresor)
    pes = area.tresor.pes
    assert pes is not None and pes.button.text() == "Générer le fichier PES…"
    before = len(area.tresor.model.rows)
    assert before >= 20
    pes.regie.select("PERI")
    pes.period.set_month(2026, 10)
    files.scripted_folders[:] = [tmp_path]
    pes.button.click()
    assert "titre(s)" in pes.status.text() and "PES_ORMC_PERI_2026_B0001.xml" in pes.status.text()
    assert (tmp_path / "PES_ORMC_PERI_2026_B0001.xml").exists()
    rows = pes.model.rows
    assert [(r.regie, r.bordereau, r.created_by) for r in rows] == [
        ("PERI", 1, regisseur.full_name)
    ]
    # Transmitted: the PERI invoices left the list of invoices to transmit.
    assert len(area.tresor.model.rows) == before - rows[0].invoice_count
    shot(area, "tresor-pes-files.png")


def test_sepa_mandate_run_and_reject(qtbot, month, regisseur, sync_runner, tmp_path):
    area = area_for(qtbot, month, regisseur, sync_runner)
    assert area.sepa is not None
    area.tabs.setCurrentWidget(area.sepa)
    with month.session() as s:
        family = s.scalars(
            select(Family)
            .join(Invoice, Invoice.family_id == Family.id)
            .where(Invoice.number.like("ALSH-%"))
            .order_by(Family.code)
        ).first()
        code, family_id = family.code, family.id
    dialog = area.sepa.open_mandate(code)
    dialog.resize(560, dialog.sizeHint().height())
    dialog.holder.setText("Camille Dupont")
    dialog.iban.setText("FR76 3000 6000 0112 3456 7890 188")
    dialog.bic.setText(GOOD_BIC)
    dialog.signed_on.setText("15/09/2026")
    assert not dialog.save()
    assert dialog.error.text() == "IBAN invalide : la clé de contrôle ne correspond pas."
    shot(dialog, "sepa-mandate-dialog.png")
    dialog.iban.setText(GOOD_IBAN)
    assert dialog.save()
    area.sepa.reload()
    assert [m.family_code for m in area.sepa.mandates.rows] == [code]

    panel = area.sepa
    panel.regie.select("ALSH")
    panel.period.set_month(2026, 10)
    panel.due.setText("30/11/2026")
    files.scripted_folders[:] = [tmp_path]
    panel.run_button.click()
    assert "prélèvement(s)" in panel.status.text() and "FRST" in panel.status.text()
    debits = panel.debits.rows
    assert debits and all(d.state_label == "Présenté à la banque" for d in debits)
    panel.debits_view.selectRow(0)
    dialogs.scripted_answers[:] = [True]
    panel.reject_button.click()
    assert panel.debits.rows[0].state_label.startswith("Rejeté le 20/11/2026 (AM04")
    with month.session() as s:
        number = panel.debits.rows[0].invoice_number
        assert s.scalar(select(Invoice.state).where(Invoice.number == number)) is (
            InvoiceState.ISSUED
        )
    shot(area, "payments-sepa.png")

    # The family withdraws its authorisation: the mandate is revoked today, once.
    panel.mandates_view.selectRow(0)
    dialogs.scripted_answers[:] = [True]
    dialogs.recorded.clear()
    panel.revoke_button.click()
    [revoked] = panel.mandates.rows
    assert revoked.revoked_on == TODAY
    assert panel.status.text() == f"Mandat {revoked.reference} révoqué au 20/11/2026."
    assert dialogs.recorded[0].text.startswith(f"Révoquer le mandat {revoked.reference} ")
    panel.mandates_view.selectRow(0)
    panel.revoke_button.click()
    assert dialogs.recorded[-1].kind == "warning"
    assert dialogs.recorded[-1].text == (
        f"Le mandat {revoked.reference} est déjà révoqué (le 20/11/2026)."
    )
    shot(area, "payments-sepa-revoked.png")

    view = FamilyView(month, sync_runner, family_id, regisseur, today=TODAY)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    view.load()
    assert "Prélèvement rejeté le 20/11/2026 (AM04 : provision insuffisante)" in (
        view.browser.toPlainText()
    )
    assert view.mandate_button.text() == "Mandat SEPA…"
    shot(view, "family-card-sepa-reject.png")


def test_the_desk_role_sees_no_pes_nor_sepa(qtbot, month, sync_runner):
    agent = add_agent(month, "accueil2", "Agent Accueil", Role.AGENT)
    area = area_for(qtbot, month, agent, sync_runner)
    assert area.tresor.pes is None and area.sepa is None
    titles = [area.tabs.tabText(i) for i in range(area.tabs.count())]
    assert "Prélèvements SEPA" not in titles


def test_settings_page_saves_checked_codes(qtbot, month, regisseur, sync_runner):
    page = CollectionSettingsPage(month, regisseur, sync_runner)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    assert set(page.fields) >= {"pes.regie.PERI.imputation", "pes.regie.MAC.produit"}
    assert page.fields["pes.siret"].text() == SETTINGS["pes.siret"]
    page.fields["pes.poste_comptable"].setText("12AB")
    page.save()
    assert page.status.text() == ""  # refused (the warning went to the crash handler)
    page.fields["pes.poste_comptable"].setText("0450123")
    page.save()
    assert page.status.text() == "Paramètres enregistrés."
    with month.session() as s:
        from backoffice.services.common.settings_store import get_setting

        assert get_setting(s, "pes.poste_comptable") == "0450123"
        assert s.scalar(select(PesExport.id)) is None
    shot(page, "settings-pes.png")
