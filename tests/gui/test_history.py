"""The "Historique" tab: lines by role (health data), filter by child, loaded on demand."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.models import Child, Role
from backoffice.services.common.actors import bind
from backoffice.ui.history.page import WHOLE_FAMILY
from backoffice.ui.qt import Qt

from .conftest import TODAY, add_agent


def _change_zoe_allergy(db, director) -> None:
    with db.session() as s:
        bind(s, director)
        zoe = s.scalars(select(Child).where(Child.first_name == "Zoé")).one()
        zoe.medical_record.allergy_detail = "arachide, fruits à coque"
        zoe.school_class = "CM2"


def _history_of_martin(qtbot, db, actor, family_ids, sync_runner):
    from backoffice.app import create_main_window

    window = create_main_window(db, actor, runner=sync_runner, today=TODAY)
    qtbot.addWidget(window)
    window.show()
    view = window.families.open_family(family_ids["F00001"])
    history = view.history
    # Opening a family does not read its history; showing the tab does.
    assert not history.is_loaded and history.model.rowCount() == 0
    view.tabs.setCurrentIndex(view.tabs.indexOf(history))
    assert history.is_loaded
    assert view.tabs.tabText(view.tabs.indexOf(history)) == "Historique"
    return window, history


def test_an_agent_sees_that_the_medical_record_changed_not_how(
    qtbot, small_db, family_ids, agent, sync_runner
):
    director = add_agent(small_db, "lchauvin", "Laurence Chauvin", Role.DIRECTOR)
    _change_zoe_allergy(small_db, director)
    _window, history = _history_of_martin(qtbot, small_db, agent, family_ids, sync_runner)
    rows = history.rows_text()
    headers = [history.model.headerData(c, Qt.Orientation.Horizontal) for c in range(5)]
    assert headers == ["Date", "Agent", "Élément", "Ancienne valeur", "Nouvelle valeur"]
    assert rows[0][1:] in {
        ("Laurence Chauvin", "Zoé MARTIN — Fiche sanitaire modifiée", "", ""),
        ("Laurence Chauvin", "Zoé MARTIN — Classe", "CM1", "CM2"),
    }
    lines = {r[1:] for r in rows}
    assert ("Laurence Chauvin", "Zoé MARTIN — Classe", "CM1", "CM2") in lines
    assert ("Laurence Chauvin", "Zoé MARTIN — Fiche sanitaire modifiée", "", "") in lines
    assert "arachide" not in repr(rows)
    assert history.medical_note.isVisible()
    assert "votre rôle ne permet pas" in history.medical_note.text()

    # Filter by child: the database returns only that child's lines.
    filter_ = history.child_filter
    assert [filter_.itemText(i) for i in range(filter_.count())] == [
        WHOLE_FAMILY,
        "Zoé MARTIN",
        "Léo MARTIN",
    ]
    filter_.setCurrentIndex(filter_.findText("Léo MARTIN"))
    leo = history.rows_text()
    assert leo and all(r[2].startswith("Léo MARTIN — ") for r in leo)
    filter_.setCurrentIndex(filter_.findText("Zoé MARTIN"))
    assert all(r[2].startswith("Zoé MARTIN — ") for r in history.rows_text())
    assert history.count_label.text().endswith("modifications")


def test_a_director_sees_the_values(qtbot, small_db, family_ids, sync_runner):
    director = add_agent(small_db, "lchauvin", "Laurence Chauvin", Role.DIRECTOR)
    _change_zoe_allergy(small_db, director)
    _window, history = _history_of_martin(qtbot, small_db, director, family_ids, sync_runner)
    lines = {r[1:] for r in history.rows_text()}
    assert (
        "Laurence Chauvin",
        "Zoé MARTIN — Allergies : précisions",
        "arachide",
        "arachide, fruits à coque",
    ) in lines
    assert not history.medical_note.isVisible()
