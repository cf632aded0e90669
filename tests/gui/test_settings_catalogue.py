"""« Paramètres » › the year's catalogue: a period and its rule created from the screens,
refusals shown in the dialog with the input kept, the edited rule queued for the portal.
Screenshots docs/screenshots/settings-catalogue-*.png (1280×800)."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest
from catalogue_world import book_children, load_example
from sqlalchemy import select

from backoffice.models import Activity, OutboxItem, OutboxState, Period, Role
from backoffice.ui.billing.tariff_dialog import PRICE, QF_MAX, QF_MIN, RANK
from backoffice.ui.qt import QApplication
from backoffice.ui.settings.pages import visible_pages

from .conftest import add_agent

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shot(widget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    assert widget.grab().save(str(SHOTS / name))


@pytest.fixture
def director_window(desk_window, sqlite_db):
    import backoffice.services.billing  # noqa: F401  (ORM guards)

    load_example(sqlite_db)
    actor = add_agent(sqlite_db, "cmoreau", "Claire Moreau", Role.DIRECTOR)
    window = desk_window(sqlite_db, actor)
    window.show_area(window.settings)
    return window


def pending(db) -> list[OutboxItem]:
    with db.session() as s:
        return list(
            s.scalars(
                select(OutboxItem).where(
                    OutboxItem.topic == "catalogue.publish", OutboxItem.state == OutboxState.PENDING
                )
            )
        )


def test_agents_do_not_see_the_catalogue_pages(desk_window, sqlite_db):
    window = desk_window(sqlite_db, add_agent(sqlite_db, "accueil", "Accueil", Role.AGENT))
    # No page of « Paramètres » is open to the desk: the area is not even listed.
    rows = [window.navigation.item(i).text() for i in range(window.navigation.count())]
    assert "Paramètres" not in rows
    assert not {page.key for page in visible_pages("agent")} & {
        "regies",
        "sites",
        "periods",
        "rules",
        "payment_windows",
        "tariffs",
    }


def test_create_a_period_and_its_rule_from_the_screens(director_window, sqlite_db, qtbot):
    window = director_window
    page = window.settings.show_page("periods")
    page.activity.setCurrentIndex(page.activity.findText("Accueil de loisirs Mayet"))
    assert page.periods.rowCount() == 2
    shot(window, "settings-catalogue-periods.png")
    dialog = page.open_period(None)
    dialog.code.setText("ascension-2027")
    dialog.name.setText("Pont de l'Ascension 2027")
    dialog.kind.setCurrentIndex(dialog.kind.findText("autre"))
    dialog.start.setText("05/05/2027")
    dialog.end.setText("09/05/2027")
    dialog.opens.setText("01/04/2027")
    dialog.closes.setText("28/04/2027")
    shot(dialog, "settings-catalogue-period-dialog.png")
    before = len(pending(sqlite_db))
    dialog.submit()
    assert not dialog.isVisible()
    assert page.periods.rowCount() == 3
    assert "Enregistré" in page.status.text() and "en attente pour le portail" in page.status.text()
    assert len(pending(sqlite_db)) == before + 1

    # closures suggested for the new period: Ascension Thursday and its « pont »
    page.periods.selectRow(page.periods.rowCount() - 1)
    assert page.periods.item(page.periods.rowCount() - 1, 0).text() == "ascension-2027"
    page.add_suggested()
    labels = [page.closures.item(n, 2).text() for n in range(page.closures.rowCount())]
    assert "Férié : Ascension" in labels and "Pont : Ascension" in labels
    assert "2 jour(s) férié(s) ou pont(s) ajouté(s)" in page.status.text()

    rules_page = window.settings.show_page("rules")
    rules_page.activity.setCurrentIndex(rules_page.activity.findText("Accueil de loisirs Mayet"))
    assert rules_page.booking_days.value() == 7  # from the example catalogue
    rules_page.booking_days.setValue(3)
    rules_page.booking_time.setText("18:00")
    rules_page.auto_accept.setChecked(True)
    rules_page.save()
    assert "réservation J-3 à 18:00" in rules_page.status.text()
    shot(window, "settings-catalogue-rules.png")
    with sqlite_db.session() as s:
        activity = s.scalars(select(Activity).where(Activity.code == "ALSH-MAYET")).one()
        assert (activity.rule.booking_notice_days, activity.rule.booking_notice_time) == (
            3,
            time(18),
        )
        assert activity.rule.auto_accept
        period = s.scalars(select(Period).where(Period.code == "ascension-2027")).one()
        assert period.activity_id == activity.id
    assert len(pending(sqlite_db)) == before + 4  # the period, 2 closures, the rule
    # an overlapping period is refused in the dialog, the input kept
    page = window.settings.show_page("periods")
    dialog = page.open_period(None)
    dialog.code.setText("mai-2027")
    dialog.name.setText("Mai 2027")
    dialog.kind.setCurrentIndex(dialog.kind.findText("autre"))
    dialog.start.setText("08/05/2027")
    dialog.end.setText("10/05/2027")
    dialog.submit()
    assert dialog.errors.isVisible()
    assert dialog.isVisible()
    assert "chevauche la période « ascension-2027 »" in dialog.errors.text(), dialog.errors.text()
    assert dialog.code.text() == "mai-2027" and dialog.end.text() == "10/05/2027"
    shot(dialog, "settings-catalogue-period-refused.png")
    dialog.reject()


def test_capacity_below_accepted_bookings_is_refused_with_the_children(director_window, sqlite_db):
    book_children(
        sqlite_db,
        "ALSH-MAYET",
        "journee",
        date(2026, 10, 19),
        [("Léa", date(2022, 3, 1)), ("Noé", date(2021, 6, 2))],
    )
    window = director_window
    page = window.settings.show_page("sites")
    page.select_activity("ALSH-MAYET")
    assert page.capacities.rowCount() == 4
    shot(window, "settings-catalogue-sites.png")
    dialog = page.open_capacity(0)  # Toussaint, 3–5 ans, 12 places
    assert dialog.places.value() == 12
    dialog.places.setValue(1)
    dialog.submit()
    assert dialog.isVisible() and dialog.errors.isVisible()
    text = dialog.errors.text()
    assert "2 enfants déjà acceptés pour 1 place demandée" in text
    assert "Léa BERNARD, Noé BERNARD" in text
    assert dialog.places.value() == 1  # nothing lost
    shot(dialog, "settings-catalogue-capacity-refused.png")
    dialog.places.setValue(2)
    dialog.submit()
    assert not dialog.isVisible()
    assert page.capacities.item(0, 4).text() == "2"


def test_overlapping_brackets_refused_in_the_tariffs_page(director_window):
    window = director_window
    page = window.settings.show_page("tariffs")
    QApplication.processEvents()
    assert page.unit.count() > 0
    dialog = page.open_new_tariffs()
    assert dialog is not None
    dialog.start.setText("01/01/2027")
    while dialog.table.rowCount() > 2:
        dialog.table.removeRow(dialog.table.rowCount() - 1)
    for n in range(2):
        dialog.set_cell(n, RANK, "")
    dialog.set_cell(0, QF_MIN, "0")
    dialog.set_cell(0, QF_MAX, "600")
    dialog.set_cell(0, PRICE, "1,40")
    dialog.set_cell(1, QF_MIN, "500")
    dialog.set_cell(1, QF_MAX, "")
    dialog.set_cell(1, PRICE, "1,80")
    dialog.submit()
    assert dialog.isVisible() and dialog.errors.isVisible()
    assert "les tranches se chevauchent (lignes 1 et 2 : 0–600 et 500…)." in dialog.errors.text()
    assert dialog.cell(1, QF_MIN) == "500"
    shot(window, "settings-catalogue-tariffs.png")
    shot(dialog, "settings-catalogue-tariffs-refused.png")
    dialog.reject()


def test_regies_and_payment_windows_pages(director_window, sqlite_db):
    window = director_window
    page = window.settings.show_page("regies")
    assert page.table.rowCount() == 2
    shot(window, "settings-catalogue-regies.png")
    page.table.selectRow(0)
    dialog = page.open_regie(page.table.item(0, 0).data(0x0100))
    dialog.online.setChecked(True)
    dialog.tresor.setChecked(True)
    dialog.submit()
    assert "ne se paie pas en ligne" in dialog.errors.text()
    shot(dialog, "settings-catalogue-regie-dialog.png")
    dialog.reject()
    windows = window.settings.show_page("payment_windows")
    alsh = next(
        n for n in range(windows.regie.count()) if windows.regie.itemText(n).startswith("ALSH")
    )
    windows.regie.setCurrentIndex(alsh)
    assert windows.table.rowCount() >= 1
    shot(window, "settings-catalogue-payment-windows.png")


def test_duplicate_the_year_onto_next_years_zone_b_holidays(director_window):
    from backoffice.ui import dialogs

    window = director_window
    page = window.settings.show_page("periods")
    page.activity.setCurrentIndex(page.activity.findText("Accueil de loisirs Mayet"))
    dialogs.scripted_answers[:] = [True]
    page.duplicate.click()
    assert dialogs.scripted_answers == []  # the review was asked
    assert "« toussaint-2026 » → « toussaint-2027 » du 23/10/2027 au 07/11/2027" in (
        page.review_text
    )
    codes = [page.periods.item(n, 0).text() for n in range(page.periods.rowCount())]
    assert codes == ["toussaint-2026", "hiver-2027", "toussaint-2027", "hiver-2028"]
    assert "2 période(s) copiée(s) sur l'année suivante." in page.status.text()
    shot(window, "settings-catalogue-duplicated-year.png")
    from backoffice.ui.qt import QMessageBox

    review = QMessageBox(QMessageBox.Icon.Question, "Portail Famille", page.review_text)
    review.addButton("Enregistrer la copie", QMessageBox.ButtonRole.AcceptRole)
    review.addButton("Annuler", QMessageBox.ButtonRole.RejectRole)
    review.show()
    shot(review, "settings-catalogue-duplicate-review.png")
    review.close()


def test_every_catalogue_dialog_in_french(director_window, no_dialogs):
    """Site, activity, capacity, closure and payment-window dialogs (screenshots); deleting
    a booked activity is refused in a warning that offers to archive it."""
    book_children(
        director_window.settings.db,
        "ALSH-MAYET",
        "journee",
        date(2026, 10, 19),
        [("Léa", date(2022, 3, 1))],
    )
    window = director_window
    sites = window.settings.show_page("sites")
    sites.sites.selectRow(0)
    dialog = sites.open_site(sites.sites.item(0, 0).data(0x0100))
    assert dialog.code.text() == "CL-MAYET"
    shot(dialog, "settings-catalogue-site-dialog.png")
    dialog.reject()
    sites.select_activity("ALSH-MAYET")
    dialog = sites.open_activity(sites.activities.item(0, 0).data(0x0100))
    assert dialog.kind.currentText() == "Accueil de loisirs (ALSH)"
    shot(dialog, "settings-catalogue-activity-dialog.png")
    dialog.reject()
    dialog = sites.open_capacity(None)
    dialog.start.setText("32/10/2026")
    dialog.submit()
    assert "Début : « 32/10/2026 » n'est pas une date (jj/mm/aaaa)." in dialog.errors.text()
    shot(dialog, "settings-catalogue-capacity-dialog.png")
    dialog.reject()
    sites.buttons["delete_activity"].click()
    assert no_dialogs[-1].text == (
        "L'activité « Accueil de loisirs Mayet » est utilisé(e) par 1 réservation(s) : "
        "suppression refusée ; archivez-la plutôt."
    )
    sites.buttons["archive"].click()
    states = {
        sites.activities.item(n, 0).text(): sites.activities.item(n, 5).text()
        for n in range(sites.activities.rowCount())
    }
    assert states == {"ALSH-MAYET": "Archivée", "PERI-LUDE": "Proposée"}

    periods = window.settings.show_page("periods")
    dialog = periods.open_closure()
    dialog.start.setText("11/11/2027")
    dialog.end.setText("11/11/2027")
    dialog.submit()
    assert "Donnez un libellé à la fermeture" in dialog.errors.text()
    assert dialog.start.text() == "11/11/2027"
    shot(dialog, "settings-catalogue-closure-dialog.png")
    dialog.reject()

    windows = window.settings.show_page("payment_windows")
    dialog = windows.open_window()
    dialog.label.setText("Noël")
    dialog.start.setText("15/12/2026")
    dialog.end.setText("01/12/2026")
    dialog.submit()
    assert "La fenêtre ferme le 01/12/2026, avant d'ouvrir le 15/12/2026." in dialog.errors.text()
    shot(dialog, "settings-catalogue-window-dialog.png")
    dialog.reject()
