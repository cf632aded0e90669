"""The families table model: pages fetched on scroll, explicit reset on search."""

from __future__ import annotations

from backoffice.ui.families.model import PAGE_SIZE, FamiliesModel
from backoffice.ui.qt import Qt, QTableView

from .conftest import bulk_families


def test_scrolling_fetches_the_next_pages(qtbot, sqlite_db):
    bulk_families(sqlite_db, 2 * PAGE_SIZE + 50)
    model = FamiliesModel(sqlite_db)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(800, 400)
    view.show()
    model.search("")
    assert model.total == 450
    assert model.rowCount() == PAGE_SIZE
    assert model.canFetchMore()

    view.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() == 2 * PAGE_SIZE, timeout=30_000)
    view.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() == 450, timeout=30_000)
    assert not model.canFetchMore()
    codes = [model.family_at(r).code for r in range(model.rowCount())]
    assert codes == [f"B{n:05d}" for n in range(1, 451)]  # in name order, no gap, no repeat

    # A new search resets the model explicitly and starts again from the first page.
    with qtbot.waitSignal(model.modelReset, timeout=30_000):
        model.search("famille0042")
    assert [model.family_at(r).code for r in range(model.rowCount())] == [
        f"B{n:05d}" for n in range(420, 430)
    ]
    assert model.total == 10 and not model.canFetchMore()


def test_model_reads_only_one_page_until_asked(qtbot, sqlite_db):
    bulk_families(sqlite_db, PAGE_SIZE + 1)
    model = FamiliesModel(sqlite_db, page_size=20)
    model.search("")
    assert model.rowCount() == 20 and model.total == PAGE_SIZE + 1
    model.fetchMore()
    assert model.rowCount() == 40
    # Rows are small immutable values.
    row = model.family_at(0)
    assert row.code == "B00001" and row.commune == "Vaas"


def test_status_bar_counts_all_families_while_the_list_is_paged(qtbot, sqlite_db):
    from backoffice.app import create_main_window

    bulk_families(sqlite_db, PAGE_SIZE + 30)
    window = create_main_window(sqlite_db)
    qtbot.addWidget(window)
    assert window.families_label.text() == "230 familles"
    assert window.families.list_page.model.rowCount() == PAGE_SIZE
    assert window.families.list_page.result_label.text() == "230 familles"


def test_a_search_is_counted_only_when_the_agent_asks(qtbot, sqlite_db):
    from sqlalchemy import event

    from backoffice.ui.families.list_page import FamiliesListPage

    bulk_families(sqlite_db, PAGE_SIZE + 30)
    counted: list[str] = []

    def statement(_conn, _cursor, sql, params, _context, _many):
        if "count(" in sql.lower():
            counted.append(params[-1] if params else "")

    # The count is a query of its own: it must not run on each keystroke.
    event.listen(sqlite_db.engine, "before_cursor_execute", statement)
    page = FamiliesListPage(sqlite_db)
    qtbot.addWidget(page)
    page.show()
    page.search_field.setText("vaas")
    page.run_search()
    assert counted == []
    assert page.model.rowCount() == PAGE_SIZE and page.model.canFetchMore()
    assert page.model.total is None
    assert page.result_label.text() == "200 premières familles"
    assert page.count_button.isVisible()

    qtbot.mouseClick(page.count_button, Qt.MouseButton.LeftButton)
    assert len(counted) == 1
    assert page.result_label.text() == "230 familles trouvées"
    assert not page.count_button.isVisible()

    # A narrower search loads every match in its first page: its count is known.
    page.search_field.setText("famille0004")
    page.run_search()
    assert len(counted) == 1
    assert page.result_label.text() == "10 familles trouvées"
    assert not page.count_button.isVisible()

    # Scrolling to the end of an uncounted search counts it by the way.
    page.search_field.setText("vaas")
    page.run_search()
    assert page.result_label.text() == "200 premières familles"
    page.model.fetchMore()
    assert page.model.rowCount() == 230 and not page.model.canFetchMore()
    assert page.result_label.text() == "230 familles trouvées"
    assert len(counted) == 1
