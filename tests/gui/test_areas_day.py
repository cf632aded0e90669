"""A day at the desk in the real main window at 1280×800, in French (issue #20, items 5–9
and 13): what the agent stumbled on, area by area.

Each test opens the main window through ``desk_window`` (conftest: ``create_main_window``
at 1280×800, French locale and Qt translations, synchronous runner) on a real SQLite
file, and looks at what is on screen.
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import date, time
from pathlib import Path

import pytest
from sqlalchemy import select
from test_planning import MONDAY, build_world, make_actor

from backoffice.models import (
    Activity,
    ActivityKind,
    Attendance,
    AuditAction,
    AuditEvent,
    BillingBasis,
    Booking,
    Child,
    ConsentAnswer,
    ConsentDefinition,
    Period,
    PeriodKind,
    Regie,
    Role,
    Site,
    Unit,
    Vaccination,
)
from backoffice.services.bookings.attendance import AttendanceMark, record_attendance
from backoffice.services.bookings.planning import book_days
from backoffice.services.common.actors import bind
from backoffice.ui import files
from backoffice.ui.qt import (
    QApplication,
    QCoreApplication,
    QFileDialog,
    QLabel,
    QPoint,
    Qt,
)

from .conftest import TODAY, add_agent

TESTS = Path(__file__).resolve().parent.parent
if "billing_world" not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        "billing_world", TESTS / "billing" / "billing_world.py"
    )
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["billing_world"] = _module
    _spec.loader.exec_module(_module)
from billing_world import build as build_billing_world  # noqa: E402

LEFT = Qt.MouseButton.LeftButton
TUESDAY = date(2026, 12, 1)


def _child_id(db, first_name: str) -> int:
    with db.session() as s:
        return s.scalars(select(Child.id).where(Child.first_name == first_name)).one()


def _director(db):
    return add_agent(db, "lchauvin", "Laurence Chauvin", Role.DIRECTOR)


def _area_index(window, area) -> int:
    return window.stack.indexOf(area)


def _fits(view, index) -> bool:
    """The cell's whole text is drawn: it fits the cell's width, or wraps within its height."""
    text = index.data()
    rect = view.visualRect(index).adjusted(3, 0, -3, 0)  # the cell's text margins
    metrics = view.fontMetrics()
    if metrics.horizontalAdvance(text) <= rect.width():
        return True
    if not view.wordWrap():
        return False
    flags = int(Qt.TextFlag.TextWordWrap)
    return metrics.boundingRect(rect, flags, text).height() <= rect.height()


# -- 5. the child file says what is missing, beside the field ------------------------------


def test_ticking_done_without_a_date_says_the_date_is_missing_beside_it(
    qtbot, small_db, desk_window
):
    window = desk_window(small_db, _director(small_db))
    dialog = window.open_child_file(_child_id(small_db, "Léo"))  # born 2020: 11 vaccines due
    dialog.tabs.setCurrentWidget(dialog.medical)
    medical = dialog.medical
    done, when = medical.vaccine_done["diphterie"], medical.vaccine_date["diphterie"]
    hint = medical.vaccine_hint["diphterie"]
    # Compulsory vaccines and the doctor are marked as mandatory.
    names = [w.text() for w in medical.findChildren(QLabel)]
    assert "<b>Diphtérie *</b>" in names and "Nom *" in names and "Téléphone *" in names
    assert hint.isVisible() and hint.text() == "À renseigner"

    qtbot.mouseClick(done, LEFT)  # « Effectué » ticked, no date: still missing — and why
    assert done.isChecked()
    assert hint.isVisible() and hint.text() == "Date manquante"
    beside = hint.mapTo(medical, QPoint(0, 0))
    field = when.mapTo(medical, QPoint(0, 0))
    assert beside.x() >= field.x() + when.width()  # to the right of the date field…
    assert abs(beside.y() + hint.height() / 2 - (field.y() + when.height() / 2)) < when.height()

    qtbot.keyClicks(when, "12/03/2022")  # the date typed: nothing missing for this vaccine
    assert not hint.isVisible()
    qtbot.keyClicks(medical.vaccine_date["tetanos"], "31/02/2022")  # not a date
    assert medical.vaccine_hint["tetanos"].text() == "Date manquante"


# -- 6. the history says what changed ------------------------------------------------------


def test_history_says_yes_or_no_and_shows_the_whole_vaccine_entry(
    qtbot, small_db, family_ids, desk_window
):
    director = _director(small_db)
    with small_db.session() as s:
        bind(s, director)
        zoe = s.scalars(select(Child).where(Child.first_name == "Zoé")).one()
        image = s.scalars(select(ConsentDefinition).where(ConsentDefinition.code == "image")).one()
        s.add(ConsentAnswer(child_id=zoe.id, consent_id=image.id, granted=False))
        s.add(Vaccination(child_id=zoe.id, vaccine="hib", done=True, last_date=date(2025, 10, 14)))
    window = desk_window(small_db, director)
    view = window.families.open_family(family_ids["F00001"])
    view.tabs.setCurrentWidget(view.history)
    history = view.history
    rows = history.rows_text()
    lines = {(r[2], r[4]) for r in rows}
    assert ("Zoé MARTIN — Autorisation renseignée", "Droit à l'image : Non") in lines
    assert (
        "Zoé MARTIN — Vaccin ajouté",
        "Haemophilus influenzae b : effectué, dernière injection le 14/10/2025",
    ) in lines
    # Nothing cut on screen: every cell's text fits its cell (or wraps inside it).
    for row in range(history.model.rowCount()):
        for column in range(history.model.columnCount()):
            index = history.model.index(row, column)
            assert _fits(history.view, index), index.data()


# -- 7. layouts that stay put --------------------------------------------------------------


def test_the_child_files_tab_bar_stays_put_from_one_child_to_another(qtbot, small_db, desk_window):
    window = desk_window(small_db, _director(small_db))
    places = []
    for name in ("Zoé", "Léo"):  # complete (one line) / many things missing (several)
        dialog = window.open_child_file(_child_id(small_db, name))
        dialog.resize(1240, 760)
        qtbot.waitExposed(dialog)
        QApplication.processEvents()
        bar = dialog.tabs.tabBar()
        places.append((bar.mapTo(dialog, QPoint(0, 0)), bar.size()))
        dialog.close()
    assert places[0] == places[1]


def test_the_tariffs_tab_keeps_the_billing_header(qtbot, sqlite_db, desk_window):
    with sqlite_db.session() as s:
        build_billing_world(s)
    window = desk_window(sqlite_db, _director(sqlite_db), date(2026, 6, 25))
    window.navigation.setCurrentRow(_area_index(window, window.billing))
    billing = window.billing
    before = billing.tabs.tabBar().mapTo(billing, QPoint(0, 0))
    billing.tabs.setCurrentWidget(billing.tariffs)
    QApplication.processEvents()
    assert billing.toolbar.title.isVisible() and billing.run_choice.isVisible()
    assert billing.tabs.tabBar().mapTo(billing, QPoint(0, 0)) == before


def test_double_clicking_a_preview_family_keeps_the_billing_area(qtbot, sqlite_db, desk_window):
    with sqlite_db.session() as s:
        world = build_billing_world(s)
    window = desk_window(sqlite_db, _director(sqlite_db), date(2026, 6, 25))
    window.navigation.setCurrentRow(_area_index(window, window.billing))
    billing = window.billing
    billing.regie.select("PERI")
    billing.period.set_month(2026, 3)
    billing.preview()
    view = billing.preview_panel.families_view
    shown = view.model()
    row = next(r for r in range(shown.rowCount()) if shown.index(r, 1).data() == "Roux")
    cell = view.visualRect(shown.index(row, 1)).center()
    qtbot.mouseClick(view.viewport(), LEFT, pos=cell)  # a double-click: press, release…
    qtbot.mouseDClick(view.viewport(), LEFT, pos=cell)  # …then the second press
    assert window.stack.currentWidget() is billing  # the agent is still in Facturation
    from backoffice.ui.families.window import FamilyWindow

    opened = window.family_windows[world.families["roux"]]
    assert isinstance(opened, FamilyWindow) and opened.isVisible()
    qtbot.waitUntil(lambda: "ROUX" in opened.windowTitle().upper())
    assert billing.preview_panel.preview is not None  # the preview is still there


def test_a_family_opened_from_the_payments_opens_beside_them(
    qtbot, small_db, family_ids, agent, desk_window
):
    window = desk_window(small_db, agent)
    window.navigation.setCurrentRow(_area_index(window, window.payments))
    window.payments.open_family.emit(family_ids["F00002"])  # a list's double-click, a button
    assert window.stack.currentWidget() is window.payments
    beside = window.family_windows[family_ids["F00002"]]
    qtbot.waitUntil(lambda: "DURAND" in beside.windowTitle().upper())
    # Asked again: the same window, not a second one.
    window.payments.open_family.emit(family_ids["F00002"])
    assert list(window.family_windows.values()) == [beside]


# -- 8. French, whole words, no stale progress ---------------------------------------------


def test_qt_dialogs_speak_french_in_the_main_window(qtbot, small_db, agent, sync_runner):
    """The window as tests and scripts open it (no ``backoffice`` start-up): French too."""
    from backoffice.app import create_main_window

    window = create_main_window(small_db, agent, runner=sync_runner, today=TODAY)
    qtbot.addWidget(window)
    # Qt 6.11 writes « &Look in: », which Qt's own French catalogue does not know yet.
    assert QCoreApplication.translate("QFileDialog", "&Look in:") == "&Voir dans\u00a0:"
    dialog = QFileDialog(window, "Dossier des PDF")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    qtbot.addWidget(dialog)
    dialog.show()
    labels = {w.objectName(): w.text() for w in dialog.findChildren(QLabel)}
    assert labels["lookInLabel"] == "&Voir dans\u00a0:"
    assert labels["fileNameLabel"] == "&Nom de fichier\u00a0:"
    assert labels["fileTypeLabel"] == "&Fichiers de type\u00a0:"
    dialog.close()
    window.close()


def test_the_preview_shows_whole_anomalies_at_1280(qtbot, sqlite_db, desk_window):
    with sqlite_db.session() as s:
        build_billing_world(s)
    window = desk_window(sqlite_db, _director(sqlite_db), date(2026, 4, 2))
    window.navigation.setCurrentRow(_area_index(window, window.billing))
    billing = window.billing
    billing.regie.select("PERI")
    billing.period.set_month(2026, 3)
    billing.preview()
    panel = billing.preview_panel
    anomalies = [f.anomalies for f in panel.family_rows()]
    assert max(len(a) for a in anomalies) >= 2  # a family with two anomalies, on one line
    for view in (panel.families_view, panel.anomalies_view):
        shown = view.model()
        for row in range(shown.rowCount()):
            for column in range(shown.columnCount()):
                index = shown.index(row, column)
                assert _fits(view, index), index.data()


def test_the_pdf_progress_bar_goes_once_the_pdfs_are_written(
    qtbot, sqlite_db, desk_window, tmp_path
):
    with sqlite_db.session() as s:
        build_billing_world(s)
    accountant = add_agent(sqlite_db, "rdubois", "René Dubois", Role.ACCOUNTANT)
    window = desk_window(sqlite_db, accountant, date(2026, 4, 2))
    window.navigation.setCurrentRow(_area_index(window, window.billing))
    billing = window.billing
    billing.regie.select("PERI")
    billing.period.set_month(2026, 3)
    from backoffice.ui import dialogs

    dialogs.scripted_answers.append(True)
    billing.issue()
    runs = billing.runs
    seen = []
    runs.pdf_progress.connect(lambda done, total: seen.append(runs.progress.isVisible()))
    files.scripted_folders.append(tmp_path / "pdf")
    try:
        runs.generate_pdfs()
    finally:
        files.scripted_folders.clear()
    assert seen and all(seen)  # shown while the PDFs were written…
    assert "2 PDF écrit(s)" in runs.status.text()
    assert not runs.progress.isVisible()  # …and gone when it is over, not « 2 / 2 »


# -- 9. the pointage: health alerts, the site of the planning, past days --------------------


@pytest.fixture
def booked_world(sqlite_db):
    """The planning world with Zoé (PAI, food allergy: « arachide ») and Noé expected on
    Monday morning, and a second site with nobody expected."""
    world = build_world(sqlite_db)
    planner = make_actor(sqlite_db, login="planning")
    with sqlite_db.session() as s:
        for name in ("Zoé", "Noé"):
            book_days(s, planner, world.children[name], world.matin, [MONDAY], TODAY)
        book_days(s, planner, world.children["Zoé"], world.soir, [MONDAY], TODAY)
        regie = s.scalars(select(Regie)).first()
        mayet = Site(code="MAYET", name="Pôle enfance de Mayet", commune="Mayet")
        club = Activity(
            code="CLUB",
            name="Club nature de Mayet",
            kind=ActivityKind.PERISCOLAIRE,
            regie=regie,
            site=mayet,
            billing_basis=BillingBasis.ATTENDANCE,
        )
        club.periods = [
            Period(
                code="CLUB-2026",
                name="Année 2026-2027",
                kind=PeriodKind.SCHOOL_YEAR,
                start_date=date(2026, 9, 1),
                end_date=date(2027, 7, 3),
            )
        ]
        club.units = [
            Unit(code="MERC", name="Mercredi", position=1, weekdays="3",
                 start_time=time(13, 30), end_time=time(17, 0))
        ]  # fmt: skip
        s.add(mayet)
        s.flush()
        world.mayet = mayet.id
    return world


def _alerts(area) -> dict[str, str]:
    model = area.model
    return {
        model.index(r, 1).data(): model.index(r, model.columnCount() - 1).data()
        for r in range(model.rowCount())
    }


def test_pointage_shows_health_alerts_as_the_role_allows(
    qtbot, sqlite_db, booked_world, desk_window
):
    agent = make_actor(sqlite_db)
    window = desk_window(sqlite_db, agent, MONDAY)
    window.navigation.setCurrentRow(_area_index(window, window.attendance))
    area = window.attendance
    header = area.model.headerData(5, Qt.Orientation.Horizontal)
    assert header == "Alertes santé"
    alerts = _alerts(area)
    assert alerts["MARTIN Zoé"] == "⚠ PAI · Allergie alimentaire"  # that there is one
    assert alerts["DURAND Noé"] == ""
    assert "arachide" not in repr(alerts)  # not the health data itself
    with sqlite_db.session() as s:
        assert not s.scalars(
            select(AuditEvent).where(AuditEvent.action == AuditAction.VIEW_MEDICAL)
        ).all()
    window.close()

    director = _director(sqlite_db)
    window = desk_window(sqlite_db, director, MONDAY)
    window.navigation.setCurrentRow(_area_index(window, window.attendance))
    alerts = _alerts(window.attendance)
    assert "arachide" in alerts["MARTIN Zoé"] and "protocole asthme" in alerts["MARTIN Zoé"]
    with sqlite_db.session() as s:  # the access is recorded, as for the child file
        seen = s.scalars(
            select(AuditEvent.child_id).where(
                AuditEvent.action == AuditAction.VIEW_MEDICAL,
                AuditEvent.actor == "lchauvin",
            )
        ).all()
    assert seen == [booked_world.children["Zoé"]]


def test_pointage_opens_on_the_site_chosen_in_the_planning(
    qtbot, sqlite_db, booked_world, desk_window
):
    window = desk_window(sqlite_db, _director(sqlite_db), MONDAY)
    window.navigation.setCurrentRow(_area_index(window, window.planning))
    occupancy = window.planning.occupancy_page
    window.planning.tabs.setCurrentWidget(occupancy)
    assert occupancy.site.currentData() == booked_world.site  # where children are expected
    occupancy.site.setCurrentIndex(occupancy.site.findData(booked_world.mayet))
    window.navigation.setCurrentRow(_area_index(window, window.attendance))
    assert window.attendance.site.currentData() == booked_world.mayet
    # And back: the pointage's choice is the planning's.
    attendance = window.attendance
    attendance.site.setCurrentIndex(attendance.site.findData(booked_world.site))
    window.navigation.setCurrentRow(_area_index(window, window.planning))
    assert occupancy.site.currentData() == booked_world.site


def test_past_days_of_a_childs_week_say_what_happened(qtbot, sqlite_db, booked_world, desk_window):
    zoe = booked_world.children["Zoé"]
    desk = make_actor(sqlite_db)
    with sqlite_db.session() as s:
        bookings = {
            b.unit_id: b.id
            for b in s.scalars(
                select(Booking).where(Booking.child_id == zoe, Booking.day == MONDAY)
            )
        }
        record_attendance(
            s,
            desk,
            MONDAY,
            [
                AttendanceMark(bookings[booked_world.matin], Attendance.PRESENT),
                AttendanceMark(bookings[booked_world.soir], Attendance.ABSENT),
            ],
            TUESDAY,
        )
    window = desk_window(sqlite_db, desk, date(2026, 12, 3))  # Thursday
    window.show_child_planning(zoe)
    page = window.planning.child_page
    model = page.model
    units = [model.index(r, 0).data().split("\n")[0] for r in range(model.rowCount())]
    cells = {unit: [model.index(r, c).data() for c in range(1, 8)] for r, unit in enumerate(units)}
    matin = next(u for u in cells if u.startswith("Matin"))
    soir = next(u for u in cells if u.startswith("Soir"))
    assert cells[matin][0] == "Présent"  # Monday 30/11
    assert cells[soir][0] == "Absent"
    assert cells[matin][1] == "Non réservé"  # Tuesday: open, not booked — not « Fermé »
    assert cells[matin][5] == "Fermé"  # Saturday: no care that day


# -- 13. F1: the current area's help -------------------------------------------------------


def test_f1_opens_the_current_areas_french_help(qtbot, small_db, agent, desk_window):
    window = desk_window(small_db, agent)
    window.activateWindow()  # offscreen: shortcuts need an active window
    qtbot.waitUntil(window.isActiveWindow)
    window.navigation.setCurrentRow(_area_index(window, window.attendance))
    window.attendance.table.setFocus()
    qtbot.keyClick(window.attendance.table, Qt.Key.Key_F1)
    help_window = window.help_window
    assert help_window is not None and help_window.isVisible()
    assert help_window.windowTitle() == "Aide — Pointage"
    text = help_window.text()
    assert "À quoi sert cette zone" in text and "Alertes santé" in text and "Ctrl+S" in text
    help_window.close()

    for area, words in (
        (window.billing, "Émettre les factures"),
        (window.families, "Rechercher"),
        (window.sync_area, "Quarantaine"),
    ):
        window.navigation.setCurrentRow(_area_index(window, area))
        window.navigation.setFocus()
        qtbot.keyClick(window.navigation, Qt.Key.Key_F1)
        assert words in window.help_window.text()
        assert "introuvable" not in window.help_window.text()
        window.help_window.close()
