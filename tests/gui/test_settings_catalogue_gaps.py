"""« Paramètres » › catalogue, second pass (issue #17): the activity dialog's consents and
documents, the units and age groups of « Sites et activités », archived rows greyed with
« Désarchiver ». Screenshots docs/screenshots/settings-catalogue-*.png (1280×800)."""

from __future__ import annotations

from datetime import time

from sqlalchemy import select

from backoffice.models import Activity, BillingUnit, Period, Regie, Site, Unit
from backoffice.ui.qt import Qt

from .test_settings_catalogue import director_window, shot  # noqa: F401  (fixture)


def _row(table, text: str) -> int:
    return next(n for n in range(table.rowCount()) if table.item(n, 0).text() == text)


def test_activity_dialog_asks_consents_and_documents(director_window, qtbot):  # noqa: F811
    window = director_window
    window.resize(1280, 800)
    sites = window.settings.show_page("sites")
    sites.select_activity("PERI-LUDE")
    dialog = sites.open_activity(sites.activities.item(_row(sites.activities, "PERI-LUDE"), 0)
                                 .data(Qt.ItemDataRole.UserRole))  # fmt: skip
    labels = [dialog.consents.item(n).text() for n in range(dialog.consents.count())]
    assert labels == [
        "Droit à l'image (photos et vidéos)",
        "Baignade",
        "Rentrer seul (facultative ailleurs)",
    ]
    assert dialog.documents.toPlainText() == ""
    dialog.consents.item(2).setCheckState(Qt.CheckState.Checked)
    dialog.documents.setPlainText("Attestation d'assurance\nCertificat médical\n")
    shot(dialog, "settings-catalogue-activity-consents.png")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.result() == 1, timeout=5000)
    with window.settings.db.session() as s:
        lude = s.scalars(select(Activity).where(Activity.code == "PERI-LUDE")).one()
        assert [c.code for c in lude.consents] == ["rentrer-seul"]
        assert lude.required_documents == ["Attestation d'assurance", "Certificat médical"]


def test_units_and_age_groups_from_sites_and_activities(director_window, qtbot):  # noqa: F811
    window = director_window
    window.resize(1280, 800)
    sites = window.settings.show_page("sites")
    sites.select_activity("ALSH-MAYET")
    qtbot.waitUntil(lambda: sites.units.rowCount() > 0, timeout=5000)
    assert sites.groups.rowCount() == 2
    shot(window, "settings-catalogue-units-groups.png")
    dialog = sites.open_unit(None)
    dialog.code.setText("soiree")
    dialog.name.setText("Soirée")
    dialog.start.setText("18h")
    dialog.end.setText("17:00")
    dialog.days[2].setChecked(False)
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.errors.isVisible(), timeout=5000)
    assert "L'unité finit à 17:00, pas après son début (18:00)." in dialog.errors.text()
    assert dialog.name.text() == "Soirée"  # kept as typed
    shot(dialog, "settings-catalogue-unit-dialog.png")
    dialog.end.setText("20:30")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.result() == 1, timeout=5000)
    with window.settings.db.session() as s:
        unit = s.scalars(select(Unit).where(Unit.code == "soiree")).one()
        assert (unit.start_time, unit.end_time, unit.weekdays) == (
            time(18),
            time(20, 30),
            "1,2,4,5",
        )
        assert unit.billing_unit is BillingUnit.EACH
    qtbot.waitUntil(lambda: sites.units.rowCount() >= 2, timeout=5000)
    texts = [sites.units.item(n, 0).text() for n in range(sites.units.rowCount())]
    assert "Soirée" in texts
    row = texts.index("Soirée")
    assert sites.units.item(row, 2).text() == "lun., mar., jeu., ven."

    dialog = sites.open_group(None)
    dialog.code.setText("ados")
    dialog.name.setText("Ados")
    dialog.min_years.setValue(14)
    dialog.max_years.setValue(12)
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.errors.isVisible(), timeout=5000)
    assert "L'âge maximum est inférieur à l'âge minimum." in dialog.errors.text()
    shot(dialog, "settings-catalogue-age-group-dialog.png")
    dialog.max_years.setValue(17)
    dialog.max_months.setValue(11)
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.result() == 1, timeout=5000)
    qtbot.waitUntil(lambda: sites.groups.rowCount() == 3, timeout=5000)
    assert sites.groups.item(2, 1).text() == "14 ans à 17 ans 11 mois"


def test_archived_rows_greyed_with_unarchive(director_window, qtbot, no_dialogs):  # noqa: F811
    window = director_window
    window.resize(1280, 800)
    db = window.settings.db
    periods = window.settings.show_page("periods")
    periods.activity.setCurrentIndex(periods.activity.findText("Accueil de loisirs Mayet"))
    row = _row(periods.periods, "toussaint-2026")
    periods.periods.selectRow(row)
    assert periods.archive_period.text() == "Archiver"
    periods.archive_period.click()
    qtbot.waitUntil(
        lambda: (
            periods.periods.item(_row(periods.periods, "toussaint-2026"), 6)
            .text()
            .startswith("Archivée le")
        ),
        timeout=5000,
    )
    row = _row(periods.periods, "toussaint-2026")
    assert periods.periods.item(row, 1).font().italic()
    periods.periods.selectRow(row)
    assert periods.archive_period.text() == "Désarchiver"
    shot(window, "settings-catalogue-period-archived.png")
    with db.session() as s:
        assert s.scalars(select(Period).where(Period.code == "toussaint-2026")).one().archived_on

    # A site whose activity is still offered: refused, the reason shown.
    sites = window.settings.show_page("sites")
    sites.sites.selectRow(_row(sites.sites, "CL-MAYET"))
    sites.archive_site_button.click()
    qtbot.waitUntil(lambda: bool(no_dialogs), timeout=5000)
    assert no_dialogs[-1].text.startswith(
        "Le site « Centre de loisirs de Mayet » accueille encore des activités proposées"
    )
    sites.select_activity("ALSH-MAYET")
    sites.buttons["archive"].click()
    qtbot.waitUntil(
        lambda: sites.activities.item(_row(sites.activities, "ALSH-MAYET"), 5).text() == "Archivée",
        timeout=5000,
    )
    sites.sites.selectRow(_row(sites.sites, "CL-MAYET"))
    sites.archive_site_button.click()
    qtbot.waitUntil(
        lambda: sites.sites.item(_row(sites.sites, "CL-MAYET"), 4).text().startswith("Archivé le"),
        timeout=5000,
    )
    # No longer offered to a new activity.
    dialog = sites.open_activity(None)
    assert "Centre de loisirs de Mayet" not in [
        dialog.site.itemText(n) for n in range(dialog.site.count())
    ]
    dialog.reject()

    regies = window.settings.show_page("regies")
    regies.table.selectRow(_row(regies.table, "ALSH"))
    regies.archive_button.click()
    qtbot.waitUntil(
        lambda: regies.table.item(_row(regies.table, "ALSH"), 6).text().startswith("Archivée"),
        timeout=5000,
    )
    regies.table.selectRow(_row(regies.table, "ALSH"))
    assert regies.archive_button.text() == "Désarchiver"
    regies.table.selectRow(_row(regies.table, "PERI"))  # the archived row seen grey
    shot(window, "settings-catalogue-regies-archived.png")
    regies.table.selectRow(_row(regies.table, "ALSH"))
    regies.archive_button.click()
    qtbot.waitUntil(
        lambda: regies.table.item(_row(regies.table, "ALSH"), 6).text() == "En service",
        timeout=5000,
    )
    with db.session() as s:
        assert s.scalars(select(Regie).where(Regie.code == "ALSH")).one().archived_on is None
        assert s.scalars(select(Site).where(Site.code == "CL-MAYET")).one().archived_on
