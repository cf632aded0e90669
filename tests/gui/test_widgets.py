"""The widget kit on its own: the area toolbar, the error view, yes/no."""

from __future__ import annotations

from backoffice.ui.qt import QLabel, QLineEdit, QPushButton, Qt, QTabWidget, QVBoxLayout, QWidget
from backoffice.ui.widgets import AreaToolbar, FieldErrorsView, YesNo


def test_area_toolbar_title_row_and_f5(qtbot):
    area = QWidget()
    qtbot.addWidget(area)
    reloads: list[int] = []
    titled = AreaToolbar("Facturation")
    plain = AreaToolbar()
    button = QPushButton("Aperçu")
    picker = QLineEdit()
    plain.add_field("Régie :", picker, 2)
    plain.add_spacing(12)
    plain.add(button)
    plain.add_stretch()
    plain.reload_with(area, lambda: reloads.append(1))
    elsewhere = QLineEdit()  # a field of the area below the toolbar
    layout = QVBoxLayout(area)
    layout.addWidget(titled)
    layout.addWidget(plain)
    layout.addWidget(elsewhere)
    area.show()
    qtbot.waitExposed(area)

    assert titled.title is not None and titled.title.text() == "Facturation"
    assert titled.title.font().bold()
    assert titled.title.font().pointSizeF() > QLabel().font().pointSizeF()
    assert not titled.row.isVisible()  # nothing in its row: no empty line under the title
    assert plain.title is None and plain.row.isVisible()
    assert [w.text() for w in plain.row.findChildren(QLabel)] == ["Régie :"]

    area.activateWindow()
    qtbot.waitUntil(area.isActiveWindow, timeout=30_000)
    elsewhere.setFocus()
    qtbot.waitUntil(elsewhere.hasFocus, timeout=30_000)
    qtbot.keyClick(elsewhere, Qt.Key.Key_F5)  # anywhere in the area, not only in the toolbar
    assert reloads == [1]


def test_errors_view_shows_highlights_and_focuses_the_first(qtbot):
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    first, second = QWidget(), QWidget()
    tabs.addTab(first, "Un")
    tabs.addTab(second, "Deux")
    view = FieldErrorsView()
    name = QLineEdit()
    answer = YesNo("Baignade")
    row = view.field("name", name, tabs=tabs, tab=second)
    apart = view.add("consent", answer.yes, tabs, first)
    QVBoxLayout(second).addWidget(row)
    layout = QVBoxLayout(first)
    layout.addWidget(answer)
    layout.addWidget(apart)
    layout.addWidget(view.unplaced)
    tabs.show()

    view.show({"name": "Le champ « Nom » est obligatoire.", "other": "Autre chose."})
    assert view.messages() == {"name": "Le champ « Nom » est obligatoire."}
    assert name.property("invalid") is True
    assert view.unplaced.text() == "Autre chose." and not view.unplaced.isHidden()
    assert tabs.currentWidget() is second
    assert view.tabs_with_errors({"consent": "x", "name": "y"}) == [first, second]

    view.show({"consent": "Répondez oui ou non."})
    assert view.messages() == {"consent": "Répondez oui ou non."}
    assert name.property("invalid") is False and not row.error
    assert answer.yes.property("invalid") is True
    view.clear()
    assert view.messages() == {} and view.unplaced.isHidden()


def test_yes_no_starts_unanswered_and_can_return_to_it(qtbot):
    answer = YesNo("PAI")
    qtbot.addWidget(answer)
    changes: list[bool | None] = []
    answer.changed.connect(lambda: changes.append(answer.value))
    assert answer.value is None
    answer.set_value(True)
    answer.set_value(False)
    assert answer.value is False
    answer.set_value(None)
    assert answer.value is None and not answer.yes.isChecked() and not answer.no.isChecked()
    assert changes[-1] is None
    assert answer.yes.accessibleName() == "PAI : oui"
