"""The portal announces a newer back-office: the agent reads « Une nouvelle version est
disponible (x.y.z) » in the round's summary and the status-bar indicator's tooltip (real portal on loopback)."""

from __future__ import annotations

import importlib.util
import sys
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

from portal_testkit import STAFF_TOKEN, make_settings, serve, smtp_sink  # noqa: E402,F401

from backoffice.sync import settings as sync_settings  # noqa: E402
from backoffice.sync.round import client_from_settings  # noqa: E402
from backoffice.ui.qt import Qt  # noqa: E402

SHOTS = TESTS.parent / "docs" / "screenshots"


@pytest.fixture
def announcing_portal(tmp_path, smtp_sink):  # noqa: F811
    settings = make_settings(
        f"sqlite:///{tmp_path / 'portail.sqlite3'}",
        smtp_sink.port,
        latest_backoffice_version="0.2.0",
    )
    running, stop = serve(settings)
    yield running
    stop()


def test_a_newer_version_is_shown_after_a_round(
    qtbot, sqlite_db, agent, announcing_portal, sync_runner, monkeypatch
):
    from backoffice.app import create_main_window

    monkeypatch.setenv(sync_settings.TOKEN_ENV, STAFF_TOKEN)
    with sqlite_db.session() as s:
        sync_settings.save_settings(s, url=announcing_portal.base)
        sync_settings.save_automatic_interval(s, 0)
    win = create_main_window(sqlite_db, agent, runner=sync_runner)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.sync_started, timeout=10_000)
    win.sync.client_factory = lambda: client_from_settings(sqlite_db, retries=0)
    qtbot.mouseClick(win.sync_indicator, Qt.MouseButton.LeftButton)
    area = win.sync_area

    with qtbot.waitSignal(win.sync.round_finished, timeout=30_000):
        qtbot.mouseClick(area.sync_button, Qt.MouseButton.LeftButton)

    assert win.sync_indicator.toolTip().startswith("Une nouvelle version est disponible (0.2.0).")
    assert area.summary.text().endswith("Une nouvelle version est disponible (0.2.0).")
    assert win.grab().save(str(SHOTS / "sync-nouvelle-version.png"))
    win.close()
