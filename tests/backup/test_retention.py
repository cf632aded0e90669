"""Retention: the newest of each of the last 7 days, 4 ISO weeks, 12 months."""

from __future__ import annotations

from datetime import datetime, timedelta

from backoffice.services.backup.files import SQLITE_SUFFIX, file_name, list_backups, prune
from backoffice.services.backup.retention import Retention, to_keep


def test_one_backup_a_day_for_two_years_keeps_7_days_4_weeks_12_months():
    last = datetime(2026, 12, 6, 18, 0)  # a Sunday
    stamps = [last - timedelta(days=n) for n in range(730)]
    kept = to_keep(stamps)
    days = {last - timedelta(days=n) for n in range(7)}  # 30 Nov .. 6 Dec
    weeks = {datetime(2026, 11, d, 18, 0) for d in (29, 22, 15)}  # previous Sundays
    months = {
        datetime(2026, 11, 30, 18, 0),
        *(
            datetime(y, m, d, 18, 0)
            for y, m, d in [
                (2026, 10, 31), (2026, 9, 30), (2026, 8, 31), (2026, 7, 31), (2026, 6, 30),
                (2026, 5, 31), (2026, 4, 30), (2026, 3, 31), (2026, 2, 28), (2026, 1, 31),
            ]
        ),
    }  # fmt: skip
    assert kept == days | weeks | months
    assert len(kept) == 7 + 3 + 10


def test_several_backups_a_day_keep_the_newest_of_each_day():
    day = datetime(2026, 3, 2)
    stamps = [day.replace(hour=h) for h in (8, 12, 19)]
    assert to_keep(stamps) == {day.replace(hour=19)}
    assert to_keep(stamps, Retention(daily=0, weekly=0, monthly=0)) == set()


def test_prune_deletes_the_files_not_kept_and_ignores_other_files(tmp_path):
    last = datetime(2026, 12, 6, 18, 0)
    for n in range(40):
        (tmp_path / file_name(last - timedelta(days=n), SQLITE_SUFFIX)).write_bytes(b"x" * n)
    (tmp_path / "notes.txt").write_text("à garder")
    deleted = prune(tmp_path)
    remaining = list_backups(tmp_path)
    assert len(deleted) + len(remaining) == 40
    assert [b.taken_at for b in remaining] == sorted(to_keep(
        [last - timedelta(days=n) for n in range(40)]
    ), reverse=True)  # fmt: skip
    assert remaining[0].taken_at == last and remaining[0].size == 0
    assert (tmp_path / "notes.txt").exists()
