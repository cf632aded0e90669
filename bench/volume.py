"""A year's volume for the billing benchmark: deterministic, cached.

    from volume import build_volume
    db = build_volume(url, families=2000, seed=1)

The demo catalogue with its capacities multiplied so that they fit ``families``
families (the demo's places are sized for about :data:`FAMILIES_PER_CAPACITY`
families), then :func:`backoffice.demo.load.populate`: every registered child is
booked on its regular days for the months around :data:`TODAY` as the demo's
booking maker does (capped by capacity, waiting list when full), with the
attendance recorded for the past days (present, absent, justified) and the
multi-accueil arrival and departure times. Deterministic per (families, seed).

SQLite: the database is built once into ``BACKOFFICE_BENCH_CACHE`` (default
``~/.cache/portail-famille-bench``), keyed by families, seed and the schema's
migration head, and copied for each run. PostgreSQL: built into the given
(throw-away) schema each time.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import update  # noqa: E402

from backoffice.demo.catalogue import demo_catalogue_toml  # noqa: E402
from backoffice.demo.load import populate  # noqa: E402
from backoffice.models import Capacity  # noqa: E402
from backoffice.services.catalogue.import_export import apply_catalogue, parse_catalogue  # noqa: E402
from backoffice.services.database import open_database  # noqa: E402
from backoffice.storage import Database, head_revision  # noqa: E402

TODAY = date(2026, 3, 16)
# The demo catalogue's capacities suit about this many families.
FAMILIES_PER_CAPACITY = 150
CACHE = Path(os.environ.get("BACKOFFICE_BENCH_CACHE", Path.home() / ".cache/portail-famille-bench"))


def capacity_factor(families: int) -> int:
    return max(1, -(-families // FAMILIES_PER_CAPACITY))


def populate_volume(db: Database, families: int, seed: int) -> dict[str, int]:
    """Catalogue with scaled capacities, then ``families`` families (into an empty base)."""
    with db.session() as session:
        apply_catalogue(session, parse_catalogue(demo_catalogue_toml(TODAY), "démo"))
        session.flush()
        factor = capacity_factor(families)
        session.execute(update(Capacity).values(places=Capacity.places * factor))
        return populate(session, families, seed, TODAY)


def build_volume(url: str, families: int, seed: int = 1, *, quiet: bool = False) -> Database:
    """The opened database at ``url`` holding the volume (SQLite: from the cache)."""
    started = time.perf_counter()
    if url.startswith("sqlite:///"):
        target = Path(url.removeprefix("sqlite:///"))
        cached = CACHE / f"volume-{families}-{seed}-{head_revision()}.sqlite3"
        if not cached.exists():
            CACHE.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            db = open_database(f"sqlite:///{partial}")
            try:
                populate_volume(db, families, seed)
                with db.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                db.dispose()
            partial.replace(cached)
            how = "construit et mis en cache"
        else:
            how = "copié du cache"
        shutil.copyfile(cached, target)
        db = open_database(url)
    else:
        db = open_database(url)
        populate_volume(db, families, seed)
        how = "construit"
    if not quiet:
        print(
            f"  jeu de données {families} familles {how} en {time.perf_counter() - started:.1f} s"
        )
    return db
