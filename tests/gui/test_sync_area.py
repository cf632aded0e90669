"""The « Synchronisation » area and its status-bar indicator, against the real portal
on loopback (``tests/portal_api/portal_testkit.py``): rounds on a click, what moved,
conflicts, quarantine, an unreachable portal, one round at a time."""

from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
for _name, _path in (
    ("portal_testkit", TESTS / "portal_api" / "portal_testkit.py"),
    ("sync_helpers", TESTS / "sync" / "sync_helpers.py"),
):
    if _name not in sys.modules:
        _spec = importlib.util.spec_from_file_location(_name, _path)
        _module = importlib.util.module_from_spec(_spec)
        sys.modules[_name] = _module
        _spec.loader.exec_module(_module)

from portal_testkit import STAFF_TOKEN, free_port, portal, smtp_sink  # noqa: E402,F401
from sync_helpers import Parent, family, open_account  # noqa: E402

from backoffice.models import SyncConflict  # noqa: E402
from backoffice.services.families.edit import FamilyChanges, update_family  # noqa: E402
from backoffice.sync import settings as sync_settings  # noqa: E402
from backoffice.sync.client import PortalClient  # noqa: E402
from backoffice.sync.round import client_from_settings  # noqa: E402
from backoffice.ui.qt import Qt  # noqa: E402
from backoffice.ui.sync import status  # noqa: E402
from backoffice.ui.tasks import TaskRunner  # noqa: E402
from portal import feed  # noqa: E402

LOGIN = "sophie.lemoine@example.org"


def configure(db, url: str, interval: int = 0) -> None:
    with db.session() as s:
        sync_settings.save_settings(s, url=url)
        sync_settings.save_automatic_interval(s, interval)


@pytest.fixture
def token_env(monkeypatch):
    monkeypatch.setenv(sync_settings.TOKEN_ENV, STAFF_TOKEN)


def open_window(qtbot, db, agent, runner):
    from backoffice.app import create_main_window

    win = create_main_window(db, agent, runner=runner)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    # The automatic sync is armed once the window is on screen.
    qtbot.waitUntil(lambda: win.sync_started, timeout=10_000)
    return win


@pytest.fixture
def linked(qtbot, sqlite_db, agent, portal, token_env, sync_runner):  # noqa: F811
    """A back-office configured for the test portal (auto-sync off), its window."""
    configure(sqlite_db, portal.base)
    win = open_window(qtbot, sqlite_db, agent, sync_runner)
    # Few retries: a test never waits on a backoff.
    win.sync.client_factory = lambda: client_from_settings(sqlite_db, retries=0, timeout=(10, 60))
    yield win
    win.close()


def click(qtbot, button) -> None:
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_never_synced_then_a_click_shows_what_moved(
    qtbot,
    linked,
    sqlite_db,
    agent,
    portal,  # noqa: F811
    smtp_sink,  # noqa: F811
):
    area = linked.sync_area
    open_account(sqlite_db, agent, LOGIN)
    qtbot.mouseClick(linked.sync_indicator, Qt.MouseButton.LeftButton)
    assert linked.stack.currentWidget() is area
    assert area.last_label.text() == "jamais synchronisé"
    assert linked.sync_indicator.text() == "Jamais synchronisé"
    assert area.next_label.text() == "désactivée"
    assert not area.progress.isVisible()

    with qtbot.waitSignal(linked.sync.round_finished, timeout=30_000):
        click(qtbot, area.sync_button)

    assert area.summary_title.text().endswith(": 2 éléments envoyés.")
    assert "Envoyé au portail : 2 élément(s) accepté(s), 0 refusé(s)." in area.summary.text()
    assert area.last_label.text().startswith("aujourd'hui à ")
    assert area.last_label.text().endswith("(à l'instant)")
    finished = linked.sync.outcome.finished_at
    assert linked.sync_indicator.text() == f"Synchronisé à {status.clock_text(finished)}"
    assert len(smtp_sink.to(LOGIN)) == 1  # the activation e-mail went out

    # The parent activates and edits: the next round pulls it in.
    parent = Parent(portal, smtp_sink, LOGIN)
    parent.edit_family(phone="0243112233")
    with qtbot.waitSignal(linked.sync.round_finished, timeout=30_000):
        click(qtbot, area.sync_button)
    # The account push of the first round may have landed after the parent's edit:
    # the family is pushed once more, so the portal cannot keep a stale value.
    assert area.summary_title.text().endswith(": 2 changements reçus, 1 élément envoyé.")
    assert "2 appliqué(s)" in area.summary.text()


def test_conflict_shows_and_resolving_removes_it(
    qtbot,
    linked,
    sqlite_db,
    agent,
    portal,  # noqa: F811
    smtp_sink,  # noqa: F811
):
    area = linked.sync_area
    linked.show_sync()
    family_id, _code = open_account(sqlite_db, agent, LOGIN)
    assert linked.sync.sync_now()
    parent = Parent(portal, smtp_sink, LOGIN)
    with sqlite_db.session() as s:
        version = family(sqlite_db, family_id).version
        update_family(s, agent, family_id, FamilyChanges(phone="0243111111"), version)
    parent.edit_family(phone="0243222222")

    with qtbot.waitSignal(linked.sync.round_finished, timeout=30_000):
        click(qtbot, area.sync_button)

    assert "1 nouveau conflit" in area.summary_title.text()
    assert linked.sync_indicator.text().endswith(" — 1 conflit")
    assert area.tabs.tabText(0) == "Conflits (1)"
    table = area.conflicts.table
    assert table.rowCount() == 1
    assert [table.item(0, c).text() for c in range(4)] == [
        _code,
        "Famille — Téléphone du foyer",
        "02 43 11 11 11",
        "02 43 22 22 22",
    ]
    area.tabs.setCurrentWidget(area.conflicts)
    click(qtbot, area.conflicts.keep_portal)

    assert area.conflicts.table.rowCount() == 0 and area.conflicts.empty.isVisible()
    assert area.tabs.tabText(0) == "Conflits"
    assert "conflit" not in linked.sync_indicator.text()
    assert family(sqlite_db, family_id).phone == "02 43 22 22 22"
    with sqlite_db.session() as s:
        conflict = s.query(SyncConflict).one()
        assert (conflict.resolution, conflict.resolved_by_id) == ("portal", agent.staff_id)


def test_quarantined_change_is_shown_and_dismissed(
    qtbot,
    linked,
    sqlite_db,
    agent,
    portal,  # noqa: F811
    smtp_sink,  # noqa: F811
):
    area = linked.sync_area
    linked.show_sync()
    _family_id, code = open_account(sqlite_db, agent, LOGIN)
    assert linked.sync.sync_now()
    with portal.db.session() as ps:
        feed.append(ps, code, "family.updated", {"before": {}, "after": {"phone": "pas un numéro"}})

    with qtbot.waitSignal(linked.sync.round_finished, timeout=30_000):
        click(qtbot, area.sync_button)

    assert "1 mis en quarantaine" in area.summary_title.text()
    assert linked.sync_indicator.text().endswith(" — 1 en quarantaine")
    assert area.tabs.tabText(1) == "Quarantaine (1)"
    q = area.quarantine
    assert q.table.item(0, 2).text() == "family.updated"
    assert q.table.item(0, 3).text() == (
        "« pas un numéro » n'est pas un numéro de téléphone valide (Téléphone du foyer)."
    )
    area.tabs.setCurrentWidget(q)
    assert not q.payload.isVisible()
    click(qtbot, q.show_payload)
    assert q.payload.isVisible() and "pas un numéro" in q.payload.toPlainText()
    click(qtbot, q.dismiss)

    assert q.table.rowCount() == 0 and q.empty.isVisible() and not q.payload.isVisible()
    assert "quarantaine" not in linked.sync_indicator.text()
    assert area.tabs.tabText(1) == "Quarantaine"


def test_unreachable_portal_says_so_and_when_it_tries_again(
    qtbot, sqlite_db, agent, token_env, sync_runner
):
    configure(sqlite_db, f"http://127.0.0.1:{free_port()}", interval=10)
    win = open_window(qtbot, sqlite_db, agent, sync_runner)
    win.sync.client_factory = lambda: client_from_settings(sqlite_db, retries=0, timeout=(1, 2))
    area = win.sync_area
    assert win.sync.timer.isActive()  # automatic sync armed at start-up

    with qtbot.waitSignal(win.sync.round_finished, timeout=30_000):
        click(qtbot, area.sync_button)

    outcome = win.sync.outcome
    assert outcome.kind == status.UNREACHABLE
    retry = win.sync.next_run_at
    assert (retry - outcome.finished_at).total_seconds() == 10 * 60
    assert win.sync.timer.isActive() and win.sync.timer.interval() == 10 * 60_000
    assert win.sync_indicator.text() == (
        f"Portail injoignable (nouvel essai à {status.clock_text(retry)})"
    )
    assert area.summary_title.text().endswith(" interrompu.")
    assert "Le portail est injoignable" in area.summary.text()
    assert f"Nouvel essai automatique à {status.clock_text(retry)}." in area.summary.text()
    assert area.last_label.text() == "jamais synchronisé"
    win.close()


class HeldClient(PortalClient):
    """Waits at the first call until the test lets it go: a round caught mid-way."""

    def __init__(self, *args, entered: threading.Event, release: threading.Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.entered, self.release = entered, release

    def get_changes(self, after: int, limit: int) -> dict:
        self.entered.set()
        assert self.release.wait(60), "le test n'a pas libéré le passage"
        return super().get_changes(after, limit)


def test_no_second_round_while_one_runs(qtbot, sqlite_db, agent, portal, token_env):  # noqa: F811
    configure(sqlite_db, portal.base)
    runner = TaskRunner()  # a real worker thread: the window stays responsive
    win = open_window(qtbot, sqlite_db, agent, runner)
    entered, release = threading.Event(), threading.Event()
    made = []

    def factory():
        made.append(HeldClient(portal.base, STAFF_TOKEN, entered=entered, release=release))
        return made[-1]

    win.sync.client_factory = factory
    area = win.sync_area
    win.show_sync()
    try:
        click(qtbot, area.sync_button)
        assert entered.wait(60)
        assert win.sync.running
        assert win.sync_indicator.text() == "Synchronisation…"
        assert not area.sync_button.isEnabled() and area.progress.isVisible()
        assert area.next_label.text() == "synchronisation en cours…"
        # A second click (or the timer) during the round does nothing.
        assert win.sync.sync_now() is False
        area.sync_button.click()
        win.sync.timer.timeout.emit()
        with qtbot.waitSignal(win.sync.round_finished, timeout=30_000):
            release.set()
    finally:
        release.set()
    assert len(made) == 1
    assert win.sync.outcome.ok and not win.sync.running
    assert area.sync_button.isEnabled() and not area.progress.isVisible()
    win.close()
    runner.shutdown()


@pytest.fixture
def no_keyring():
    """A machine without any keyring backend, whatever this one has."""
    import keyring
    import keyring.backends.fail

    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_setup_panel_when_nothing_is_configured(
    qtbot,
    sqlite_db,
    agent,
    portal,
    sync_runner,
    no_keyring,  # noqa: F811
):
    win = open_window(qtbot, sqlite_db, agent, sync_runner)
    area = win.sync_area
    win.show_sync()
    assert area.setup.isVisible() and not area.sync_button.isEnabled()
    assert win.sync_indicator.text() == "Portail non configuré"
    assert area.next_label.text() == "aucune (portail non configuré)"

    area.setup.url.setText("http://portail.exemple.fr")
    area.setup.token.setText(STAFF_TOKEN)
    click(qtbot, area.setup.save)
    assert "https://" in area.setup.message.text()  # plain http only towards this computer

    area.setup.url.setText(portal.base)
    click(qtbot, area.setup.save)
    # No keyring: said plainly, the token kept for this session only.
    assert "Aucun trousseau de mots de passe" in area.setup.message.text()
    assert area.setup.token.text() == ""
    assert win.sync_indicator.text() == "Jamais synchronisé"
    assert area.portal_label.text() == f"Portail : {portal.base}"

    with qtbot.waitSignal(win.sync.round_finished, timeout=30_000):
        click(qtbot, area.sync_button)
    assert win.sync.outcome.ok, win.sync.outcome.message
    win.close()


def test_interval_is_editable_and_zero_turns_it_off(qtbot, sqlite_db, agent, sync_runner):
    configure(sqlite_db, "http://127.0.0.1:9", interval=15)
    win = open_window(qtbot, sqlite_db, agent, sync_runner)
    area = win.sync_area
    assert area.interval.value() == 15 and win.sync.timer.isActive()

    area.interval.setValue(0)
    assert not win.sync.timer.isActive() and area.next_label.text() == "désactivée"
    with sqlite_db.session() as s:
        assert sync_settings.automatic_interval(s) == 0

    area.interval.setValue(5)
    assert win.sync.timer.interval() == 5 * 60_000
    assert area.next_label.text().endswith("(toutes les 5 min)")
    with sqlite_db.session() as s:
        assert sync_settings.automatic_interval(s) == 5
    win.close()
