"""« Inscrire… » / « Désinscrire… » at the desk (issue #15 item 1): from the child's
planning and from the family card; an incomplete file refused with the portal's
sentence on screen; unregistering shows the bookings ahead and cancels them.
Screenshot: docs/screenshots/registration-dialog.png (1280×800)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from test_planning import MONDAY, build_world, make_actor
from test_registrations_desk import WINTER, add_winter_and_complete_zoe

from backoffice.models import Booking, BookingState, Period, Registration, RegistrationState
from backoffice.services.bookings.planning import book_days
from backoffice.ui.families.family_view import FamilyView
from backoffice.ui.planning import PlanningArea
from backoffice.ui.qt import QApplication, QPainter, QUrl
from backoffice.ui.registrations.dialogs import RegisterDialog, UnregisterDialog

from .conftest import TODAY

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def world(sqlite_db):
    world = build_world(sqlite_db)
    add_winter_and_complete_zoe(sqlite_db, world)
    return world


@pytest.fixture
def actor(sqlite_db):
    return make_actor(sqlite_db)


def _area(qtbot, db, actor, runner) -> PlanningArea:
    area = PlanningArea(db, actor, runner, today=TODAY)
    qtbot.addWidget(area)
    area.resize(1280, 800)
    area.show()
    qtbot.waitExposed(area)
    area.reload()
    return area


def _shot_over(background, dialog, name: str) -> None:
    """The dialog centred over its window, as the agent sees it on a 1280×800 screen."""
    QApplication.processEvents()
    image = background.grab()
    assert (image.width(), image.height()) == (1280, 800)
    front = dialog.grab()
    painter = QPainter(image)
    painter.drawPixmap((1280 - front.width()) // 2, (800 - front.height()) // 2, front)
    painter.end()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    image.save(str(SCREENSHOTS / f"{name}.png"))


def _journee_row(page):
    return [r for r in page.model.rows if r.unit_name == "Journée"]


def test_register_from_the_childs_planning_makes_days_bookable(
    qtbot, sqlite_db, world, actor, sync_runner
):
    area = _area(qtbot, sqlite_db, actor, sync_runner)
    page = area.child_page
    page.show_child(world.children["Zoé"], date(2027, 7, 12))  # after all her periods
    assert "inscrivez-le d'abord (« Inscrire… »)" in page.status.text()
    page.show_week(WINTER)
    assert not _journee_row(page) and page.status.text() == ""  # the périscolaire shows
    assert page.register_button.isEnabled()

    dialog = page.open_register()
    assert isinstance(dialog, RegisterDialog) and dialog.isVisible()
    dialog.select_activity("Accueil de loisirs du Lude")
    assert dialog.groups.text() == "3-5 ans, 6-11 ans"
    periods = [dialog.periods.item(i).text() for i in range(dialog.periods.count())]
    assert periods == [
        "Vacances de Noël 2026 (du 21/12/2026 au 01/01/2027) — inscrit",
        "Vacances d'hiver 2027 (du 15/02/2027 au 26/02/2027)",
    ]
    assert not dialog.ok.isEnabled()  # nothing ticked yet
    dialog.check_period("Vacances d'hiver")
    assert dialog.ok.isEnabled()
    _shot_over(area, dialog, "registration-dialog")

    dialog.ok.click()

    assert not dialog.isVisible()
    [row] = _journee_row(page)
    assert row.cells[0].state == "open" and row.cells[0].can_book
    assert "Zoé MARTIN est inscrit·e à « Accueil de loisirs du Lude »" in page.status.text()
    with sqlite_db.session() as s:
        states = s.scalars(
            select(Registration.state).where(Registration.child_id == world.children["Zoé"])
        ).all()
    assert states.count(RegistrationState.ACCEPTED) == 3


def test_incomplete_file_is_refused_on_screen_from_the_family_card(
    qtbot, sqlite_db, world, actor, sync_runner
):
    view = FamilyView(sqlite_db, sync_runner, world.families["F00002"], actor, today=TODAY)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    view.load()
    noe = world.children["Noé"]
    html = view.browser.toHtml()
    assert f"inscrire:{noe}" in html and f"desinscrire:{noe}" in html

    view._link_clicked(QUrl(f"inscrire:{noe}"))
    dialog = view.findChild(RegisterDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == "Inscrire Noé DURAND à une activité"
    dialog.select_activity("Accueil de loisirs du Lude")
    dialog.check_period("Vacances d'hiver")
    dialog.ok.click()

    assert dialog.isVisible()  # kept open: the choice is not lost
    assert dialog.error.isVisible()
    assert dialog.error.text().startswith(
        "Inscription impossible : le dossier de Noé DURAND est incomplet. "
        "Informations obligatoires manquantes : Fiche sanitaire ;"
    )
    assert dialog.chosen_periods() is not None and len(dialog.chosen_periods()) == 1
    with sqlite_db.session() as s:
        assert len(s.scalars(select(Registration).where(Registration.child_id == noe)).all()) == 2
    dialog.reject()


def test_register_from_the_family_card(qtbot, sqlite_db, world, actor, sync_runner):
    view = FamilyView(sqlite_db, sync_runner, world.families["F00001"], actor, today=TODAY)
    qtbot.addWidget(view)
    view.show()
    view.load()
    zoe = world.children["Zoé"]
    view._link_clicked(QUrl(f"inscrire:{zoe}"))
    dialog = view.findChild(RegisterDialog)
    dialog.select_activity("Accueil de loisirs du Lude")
    dialog.whole_year.setChecked(True)
    assert not dialog.periods.isEnabled() and dialog.chosen_periods() is None
    dialog.ok.click()
    assert not dialog.isVisible()
    with sqlite_db.session() as s:
        winter = s.scalar(
            select(Registration)
            .where(Registration.child_id == zoe, Registration.activity_id == world.alsh)
            .order_by(Registration.id.desc())
        )
        assert winter.period.code == "HIVER-2027"
        assert winter.state is RegistrationState.ACCEPTED


def test_unregister_shows_the_bookings_ahead_and_cancels_them(
    qtbot, sqlite_db, world, actor, sync_runner
):
    zoe = world.children["Zoé"]
    tuesday = date(2026, 12, 1)
    with sqlite_db.session() as s:
        book_days(s, actor, zoe, world.matin, [MONDAY, tuesday], TODAY)
    area = _area(qtbot, sqlite_db, actor, sync_runner)
    page = area.child_page
    page.show_child(zoe, MONDAY)

    dialog = page.open_unregister()
    assert isinstance(dialog, UnregisterDialog)
    labels = [dialog.registration.itemText(i) for i in range(dialog.registration.count())]
    assert labels == [
        "Périscolaire du Lude — Année scolaire 2026-2027",
        "Accueil de loisirs du Lude — Vacances de Noël 2026",
    ]
    dialog.select_registration("Périscolaire du Lude")
    shown = [dialog.days.item(i).text() for i in range(dialog.days.count())]
    assert [t.split(" · ")[:2] for t in shown] == [
        ["lundi 30 novembre 2026", "Matin"],
        ["mardi 1 décembre 2026", "Matin"],
    ]
    assert dialog.days_label.text().startswith("2 jour(s) réservé(s) à venir seront annulés")
    if dialog.ahead.late_count:  # late by the clock of the run: the agent must choose
        assert not dialog.ok.isEnabled()
        dialog.not_billed.setChecked(True)
    dialog.reason.setText("Déménagement")
    assert dialog.ok.isEnabled()

    dialog.ok.click()

    assert not dialog.isVisible()
    with sqlite_db.session() as s:
        rows = s.execute(select(Booking.state, Booking.cancellation_billed)).all()
        assert rows == [(BookingState.CANCELLED, False)] * 2
        reg = s.scalar(
            select(Registration).where(
                Registration.child_id == zoe, Registration.activity_id == world.aps
            )
        )
        assert reg.state is RegistrationState.CANCELLED and "Déménagement" in reg.reason
    assert page.status.text().startswith("Désinscription enregistrée : 2 jour(s) réservé(s)")
    periscolaire = [r for r in page.model.rows if r.activity_name == "Périscolaire du Lude"]
    assert periscolaire and not any(c.can_book for r in periscolaire for c in r.cells)
    assert periscolaire[0].cells[1].reason == "Inscription non acceptée : réservation impossible."


def test_familles_menu_registers_a_child_of_the_family_shown(
    qtbot, sqlite_db, world, actor, desk_window
):
    from backoffice.ui import dialogs

    window = desk_window(sqlite_db, actor)
    menu = [a for a in window.menuBar().actions() if a.text() == "F&amilles"][0].menu()
    register = [a for a in menu.actions() if a.text() == "I&nscrire un enfant…"][0]
    dialogs.recorded.clear()
    register.trigger()  # no family open yet: a French hint, nothing else
    assert [r.title for r in dialogs.recorded] == ["Inscrire un enfant"]
    assert "Ouvrez d'abord la fiche d'une famille" in dialogs.recorded[0].text

    view = window.families.open_family(world.families["F00001"])
    register.trigger()
    dialog = view.findChild(RegisterDialog)
    assert dialog is not None and dialog.windowTitle() == "Inscrire Zoé MARTIN à une activité"
    dialog.select_activity("Accueil de loisirs du Lude")
    dialog.check_period("Vacances d'hiver")
    dialog.ok.click()
    assert not dialog.isVisible()
    with sqlite_db.session() as s:
        winter = s.scalar(
            select(Registration)
            .join(Period, Period.id == Registration.period_id)
            .where(Registration.child_id == world.children["Zoé"], Period.code == "HIVER-2027")
        )
        assert winter is not None and winter.state is RegistrationState.ACCEPTED
