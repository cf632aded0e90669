"""The collector around the programs' start (backoffice.collector): paused by the entry
points, settled once started with the start-up objects frozen, left as found."""

from __future__ import annotations

import gc

import pytest

from backoffice import collector
from backoffice.cli import main as cli_main


@pytest.fixture
def collector_as_found():
    yield
    gc.enable()
    gc.unfreeze()


def test_settle_freezes_what_the_start_made_only_after_a_pause(collector_as_found):
    collector.settle()  # not paused (main called in-process): nothing frozen
    assert gc.isenabled() and gc.get_freeze_count() == 0
    collector.pause()
    assert not gc.isenabled()
    collector.settle()
    assert gc.isenabled() and gc.get_freeze_count() > 10_000
    collector.release()
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_the_command_line_leaves_the_collector_as_found(tmp_path, collector_as_found):
    url = f"sqlite:///{tmp_path / 'base.sqlite3'}"
    assert cli_main(["--database-url", url, "init"]) == 0  # paused, settled, released
    assert gc.isenabled() and gc.get_freeze_count() == 0
