"""Issue #15 end to end at the desk, on the real 1280×800 main window in French: a
paper-only family (no e-mail) opened through the dialog, a second child added from the
card, both registered to their school's périscolaire (whole year) and to the ALSH's
summer holidays, a « Semaine type » applied for December, the bookings then the invoice
of December's périscolaire on the family card; nothing ever queued for the portal.
Catalogue: the demo's (``load_demo`` without families). Screenshot
docs/screenshots/family-card-paper-year.png."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from backoffice.demo.load import load_demo
from backoffice.documents.formatting import format_euros
from backoffice.models import (
    Activity,
    Attendance,
    Booking,
    BookingState,
    Child,
    Invoice,
    OutboxItem,
    Registration,
    RegistrationState,
    Role,
    Unit,
)
from backoffice.services.billing.runs import issue_run
from backoffice.services.bookings.attendance import AttendanceMark, record_attendance
from backoffice.services.child_file.completeness import missing_for_child
from backoffice.services.child_file.consents import ConsentChoice, save_consents
from backoffice.services.child_file.contacts import ContactForm, add_contact
from backoffice.services.child_file.editing import active_consents, applies
from backoffice.services.child_file.medical import MedicalForm, VaccineAnswer, save_medical_record
from backoffice.services.child_file.reference import VACCINES
from backoffice.sync.calls import Skip
from backoffice.sync.push_billing import publish_invoice
from backoffice.ui.accounts.children import AddChildDialog
from backoffice.ui.planning.icons import state_icon
from backoffice.ui.qt import Qt, QUrl
from backoffice.ui.registrations.dialogs import RegisterDialog

from .conftest import TODAY, add_agent
from .test_open_account import choose_commune, fill_child, fill_guardian, type_into

pytestmark = pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing")
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
FIRST, LAST = date(2026, 12, 1), date(2026, 12, 31)  # the semaine type's month (TODAY: 27/11)
BILLED_ON = date(2027, 1, 5)  # December is over: its périscolaire is invoiced


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _texts(view, column: int) -> list[str]:
    model = view.model()
    return [model.index(r, column).data() for r in range(model.rowCount())]


def _complete_files(db, child_ids: list[int]) -> None:
    """The parents' fiche sanitaire, contacts and authorisations, typed by the site director (medical
    data: not the desk agent's role) with the child-file services — not this test's
    subject (tests/gui/test_child_file.py drives those screens)."""
    director = add_agent(db, "jlegrand", "Jeanne Legrand", Role.DIRECTOR)
    vaccines = {code: VaccineAnswer(done=True, last_date=date(2024, 3, 1)) for code in VACCINES}
    for child_id in child_ids:
        with db.session() as s:
            save_medical_record(
                s,
                director,
                child_id,
                MedicalForm(vaccines=vaccines, doctor_name="Dr Roussel", doctor_phone="0243940011"),
                None,
                TODAY,
            )
            add_contact(
                s,
                director,
                child_id,
                ContactForm(
                    last_name="CHEVALLIER",
                    first_name="Marcel",
                    relationship="grand-père",
                    phone1="0243940022",
                ),  # fmt: skip
                emergency_contact=True,
                authorised_pickup=True,
            )
        with db.session() as s:  # the parents said yes to every authorisation asked
            consents = active_consents(s)
            child = s.get_one(Child, child_id)
            choices = {
                c.id: ConsentChoice(True, "17h30")
                for c in consents
                if applies(c, child.age_on(TODAY))
            }
            save_consents(s, director, child_id, choices, child.version, TODAY)
    with db.session() as s:
        consents = active_consents(s)
        for child_id in child_ids:
            assert missing_for_child(s.get_one(Child, child_id), consents, TODAY) == []


def _register(qtbot, view, child_id: int, activity: str, period: str | None) -> None:
    view._link_clicked(QUrl(f"inscrire:{child_id}"))  # « Inscrire… » on the child's line
    [dialog] = [d for d in view.findChildren(RegisterDialog) if d.isVisible()]
    dialog.select_activity(activity)
    if period is None:
        dialog.whole_year.setChecked(True)
    else:
        dialog.check_period(period)
    assert dialog.ok.isEnabled()
    dialog.ok.click()
    assert not dialog.isVisible(), dialog.error.text()


def test_paper_family_year_at_the_desk(qtbot, desk_window, sqlite_db, agent, no_dialogs):
    load_demo(sqlite_db, families=0, seed=1, today=TODAY)
    window = desk_window(sqlite_db, agent)

    # 1. The mailed form, without e-mail: a paper-only family, Tom at the Lude's school.
    dialog = window.open_account()
    qtbot.waitExposed(dialog)
    type_into(qtbot, dialog.family_name, "CHEVALLIER")
    type_into(qtbot, dialog.address_line1, "La Grange Neuve")
    choose_commune(qtbot, dialog.commune, "728", "72800 Le Lude")
    type_into(qtbot, dialog.phone, "0243940099")
    assert dialog.paper_note.isVisible()
    fill_guardian(qtbot, dialog.guardian1, first_name="Odile")
    fill_child(qtbot, dialog.children_section.rows[0], "Tom", "G", "11/02/2019")
    type_into(qtbot, dialog.children_section.rows[0].school, "Groupe scolaire du Lude")
    type_into(qtbot, dialog.allowance.number, "7654321")
    with qtbot.waitSignal(dialog.account_opened, timeout=30_000) as opened:
        click(qtbot, dialog.save_button)
    family_id = opened.args[0]
    assert "Famille sans portail (papier seulement)" in no_dialogs[-1].text

    view = window.families.open_family(family_id)
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30_000)

    # 2. Léa, his sister, added from the card.
    click(qtbot, view.add_child_button)
    add = view.children_dialog_shown
    assert isinstance(add, AddChildDialog)
    fill_child(qtbot, add.row, "Léa", "F", "04/05/2017")
    type_into(qtbot, add.row.school, "Groupe scolaire du Lude")
    with qtbot.waitSignal(add.child_added, timeout=30_000):
        click(qtbot, add.save_button)
    qtbot.waitUntil(lambda: len(view.detail.children) == 2, timeout=30_000)
    with sqlite_db.session() as s:
        kids = {
            c.first_name: c.id for c in s.scalars(select(Child).where(Child.family_id == family_id))
        }
        peri = s.scalar(select(Activity).where(Activity.code == "PERI-LUDE"))
        units = {u.code: u.id for u in s.scalars(select(Unit).where(Unit.activity_id == peri.id))}
    assert set(kids) == {"Tom", "Léa"}

    # Setup, not under test: the two files completed (registration asks a complete file).
    _complete_files(sqlite_db, list(kids.values()))
    view.reload()

    # 3. Both registered at the desk: their school's périscolaire for the whole year, and
    #    the ALSH's summer holidays.
    for child_id in kids.values():
        _register(qtbot, view, child_id, "Périscolaire Le Lude", None)
        _register(qtbot, view, child_id, "Accueil de loisirs Le Lude", "Vacances d'été 2027")
    with sqlite_db.session() as s:
        regs = s.scalars(select(Registration).where(Registration.child_id.in_(kids.values()))).all()
        assert sorted((r.activity.code, r.period.code, r.state) for r in regs) == sorted(
            [("PERI-LUDE", "2026-2027", RegistrationState.ACCEPTED)] * 2
            + [("ALSH-LUDE", "ete-2027", RegistrationState.ACCEPTED)] * 2
        )

    # 4. Tom's semaine type for December, from his planning: preview, then save.
    window.show_child_planning(kids["Tom"], FIRST)
    assert window.stack.currentWidget() is window.planning
    page = window.planning.child_page
    assert page.child_id == kids["Tom"]
    click(qtbot, page.week_type_button)
    week = page.regular_week_dialog
    qtbot.addWidget(week)
    week.show()
    qtbot.waitExposed(week)
    for i in range(week.activity.count()):
        if week.activity.itemText(i).startswith("Périscolaire Le Lude"):
            week.activity.setCurrentIndex(i)
    days = (1, 2, 4, 5)
    week.set_days({units["matin"]: days, units["soir"]: days})
    week.first.setText(FIRST.strftime("%d/%m/%Y"))
    week.last.setText(LAST.strftime("%d/%m/%Y"))
    assert not week.save_button.isEnabled()
    click(qtbot, week.preview_button)
    # Mondays, Tuesdays, Thursdays, Fridays until the 18th; the Christmas holidays closed.
    assert week.summary.text() == (
        "Du 01/12/2026 au 31/12/2026 : 22 jour(s) à réserver, 14 fermé(s)."
    )
    assert week.table.rowCount() == 36 and week.save_button.isEnabled()
    with qtbot.waitSignal(week.accepted):
        click(qtbot, week.save_button)
    with sqlite_db.session() as s:
        booked = s.scalars(
            select(Booking).where(
                Booking.child_id == kids["Tom"], Booking.state == BookingState.ACCEPTED
            )
        ).all()
    assert len(booked) == 22 and max(b.day for b in booked) == date(2026, 12, 18)

    # 5. The card: the bookings on « Inscriptions et réservations ».
    window.open_family(family_id)
    view.reload()
    qtbot.waitUntil(lambda: view.card is not None and len(view.card.children) == 2, timeout=30_000)
    view.tabs.setCurrentWidget(view.children_tab)
    title = view.tabs.tabText(view.tabs.currentIndex())
    assert title == "Inscriptions et réservations (22 à venir)", title
    sections = {s.title(): s for s in view.children_tab.sections}
    assert set(sections) == {"Tom CHEVALLIER", "Léa CHEVALLIER"}
    for section in sections.values():
        assert sorted(_texts(section.registrations_view, 0)) == [
            "Accueil de loisirs Le Lude",
            "Périscolaire Le Lude",
        ]
    tom = sections["Tom CHEVALLIER"]
    states = _texts(tom.bookings_view, 3)
    assert states and set(states) == {"Réservation acceptée"}
    [tom_card] = [c for c in view.card.children if c.id == kids["Tom"]]
    assert tom_card.bookings_ahead == len(booked)  # the card lists the next ones
    assert [tom.bookings.index(0, c).data() for c in range(4)] == [
        "mar. 01/12/2026",
        "Accueil du matin",
        "Périscolaire Le Lude",
        "Réservation acceptée",
    ]
    assert _texts(sections["Léa CHEVALLIER"].bookings_view, 3) == []

    # 6. December is over: the school's pointage (all present, as the sheet's « tous
    #    présents ») and the périscolaire's invoices issued for December.
    with sqlite_db.session() as s:
        by_day: dict[date, list[int]] = {}
        for b in booked:
            by_day.setdefault(b.day, []).append(b.id)
        for day, ids in sorted(by_day.items()):
            record_attendance(
                s, agent, day, [AttendanceMark(i, Attendance.PRESENT, None, None) for i in ids],
                BILLED_ON,
            )  # fmt: skip
    with sqlite_db.session() as s:
        issue_run(s, "PERI", FIRST, LAST, issue_date=BILLED_ON)
    with sqlite_db.session() as s:
        [invoice] = s.scalars(select(Invoice).where(Invoice.family_id == family_id)).all()
        number, total = invoice.number, invoice.total
    assert total > 0

    # 7. The card reloaded: the invoice, its amount, « À payer », the balance.
    view.reload()
    qtbot.waitUntil(lambda: view.card is not None and bool(view.card.invoices), timeout=30_000)
    view.tabs.setCurrentWidget(view.money_tab)
    title = view.tabs.tabText(view.tabs.currentIndex())
    assert title.startswith("Factures") and format_euros(total) in title, title
    money = view.money_tab
    assert _texts(money.invoices_view, 1) == [number]
    assert _texts(money.invoices_view, 4) == [format_euros(total)]
    assert _texts(money.invoices_view, 6) == ["À payer"]
    # Its icon is an invoice's (« € »), not a booking state's « ? » (Demandé).
    shown = money.invoices_view.model().index(0, 6).data(Qt.ItemDataRole.DecorationRole)
    assert shown.cacheKey() == state_icon("invoice_to_pay").cacheKey()
    # The Fiche says paper-only too, as the account bar does (not « Dossier reçu »).
    assert "Compte : Famille sans portail (papier seulement)" in view.browser.toPlainText()
    assert f"{format_euros(total)} dus" in money.summary.text()
    assert _texts(money.balances_view, 5) == [format_euros(total)]
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SHOTS / "family-card-paper-year.png"))

    # Paper only: nothing for the portal about this family — no account, no file, no
    # registration, no booking. The invoice's own item is the run's, and the sync
    # acknowledges it without a call (no portal account to hang it on).
    with sqlite_db.session() as s:
        items = s.scalars(select(OutboxItem).where(OutboxItem.family_id == family_id)).all()
        assert [i.topic for i in items] == ["invoice.publish"]
        with pytest.raises(Skip, match="n'a pas de compte sur le portail"):
            publish_invoice(s, items[0])
