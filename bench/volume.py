"""A year's volume for the billing benchmark: deterministic, cached.

    from volume import build_volume
    db = build_volume(url, families=2000, seed=1)

The demo catalogue with its capacities multiplied so that they fit ``families``
families (the demo's places are sized for about :data:`FAMILIES_PER_CAPACITY`
families), then :func:`backoffice.demo.load.populate`: every registered child is
booked on its regular days for the months around :data:`TODAY` as the demo's
booking maker does (capped by capacity, waiting list when full), with the
attendance recorded for the past days (present, absent, justified) and the
multi-accueil arrival and departure times; then April's holidays invoiced (ALSH,
jeunesse) and paid, online and at the desk (:func:`pay_holidays`). Deterministic per
(families, seed).

SQLite: the database is built once into ``BACKOFFICE_BENCH_CACHE`` (default
``~/.cache/portail-famille-bench``), keyed by families, seed and :data:`FORMAT` (raise
it when the generator changes), and copied for each run — the copy is migrated to the
current schema when opened, so a new migration does not rebuild a 10× year. PostgreSQL: the given (throw-away) schema
is migrated, then the cached SQLite volume's rows are copied into it table by table
(Core ``executemany`` in batches, sequences moved past the copied ids) — the same
rows, in a fraction of the time the generator takes (410 s at 10× before).
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import delete, func, insert, select, text, update  # noqa: E402

from backoffice.demo.billing import BILLING_TOPICS, REGISSEUR, pay_run  # noqa: E402
from backoffice.demo.catalogue import demo_catalogue_toml  # noqa: E402
from backoffice.demo.load import populate  # noqa: E402
from backoffice.models import Base, Capacity, OutboxItem  # noqa: E402
from backoffice.services.billing import issue_run  # noqa: E402
from backoffice.services.catalogue.import_export import apply_catalogue, parse_catalogue  # noqa: E402
from backoffice.services.common.actors import current_actor  # noqa: E402
from backoffice.services.database import open_database  # noqa: E402
from backoffice.storage import Database  # noqa: E402

TODAY = date(2026, 4, 1)  # March wholly booked and pointed, issued on 1 April
# The demo catalogue's capacities suit about this many families.
FAMILIES_PER_CAPACITY = 150
FORMAT = 4  # of the cached volume: raise it when what populate_volume makes changes
CACHE = Path(os.environ.get("BACKOFFICE_BENCH_CACHE", Path.home() / ".cache/portail-famille-bench"))


def capacity_factor(families: int) -> int:
    return max(1, -(-families // FAMILIES_PER_CAPACITY))


def populate_volume(db: Database, families: int, seed: int) -> dict[str, int]:
    """Catalogue with scaled capacities, then ``families`` families (into an empty base),
    then the payments of April's holidays (:func:`pay_holidays`)."""
    with db.session() as session:
        apply_catalogue(session, parse_catalogue(demo_catalogue_toml(TODAY), "démo"))
        session.flush()
        factor = capacity_factor(families)
        session.execute(update(Capacity).values(places=Capacity.places * factor))
        rows = populate(session, families, seed, TODAY)
    with db.session() as session:
        rows.update(pay_holidays(session, seed))
    return rows


HOLIDAY_REGIES = ("ALSH", "JEUN")  # billed from bookings, before the holidays (DESIGN §5)
PAID_BY = date(2026, 4, 21)  # the payments received from 2 to 21 April


def pay_holidays(session, seed: int) -> dict[str, int]:
    """April's holidays invoiced on 1 April (ALSH and jeunesse bill from bookings, before
    the holidays) and paid since by most families, as the demo's billing pays
    (:func:`backoffice.demo.billing.pay_run`): three in ten invoices online, the others
    at the desk (cheques, ANCV, cash, card), a few partly, a quarter still due. The
    bench issues March, which these invoices do not touch."""
    rng = random.Random(seed * 7919)
    actor = current_actor(session, REGISSEUR)
    desk = online = 0
    for regie in HOLIDAY_REGIES:
        run = issue_run(
            session, regie, date(2026, 4, 1), date(2026, 4, 30), issue_date=TODAY, actor=actor
        )
        if run.run_id is not None:
            paid = pay_run(session, rng, run.run_id, regie, TODAY, PAID_BY, actor, online_share=0.3)
            desk, online = desk + paid[0], online + paid[1]
    # As the demo's billing: the invoices predate the portal these families would use.
    session.execute(delete(OutboxItem).where(OutboxItem.topic.in_(BILLING_TOPICS)))
    return {"online_payments": online, "desk_payments": desk}


BATCH = 20_000


def copy_rows(source: Database, target: Database) -> int:
    """Every row of ``source``'s tables into ``target`` (same schema, empty); row count."""
    copied = 0
    with source.engine.connect() as src, target.engine.begin() as dst:
        for table in Base.metadata.sorted_tables:
            result = src.execute(select(table)).mappings()
            while batch := result.fetchmany(BATCH):
                dst.execute(insert(table), [dict(row) for row in batch])
                copied += len(batch)
        if dst.dialect.name == "postgresql":
            for table in Base.metadata.sorted_tables:
                if "id" in table.c and table.c.id.autoincrement in (True, "auto"):
                    highest = dst.scalar(select(func.max(table.c.id)))
                    if highest:
                        dst.execute(
                            text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v)"),
                            {"t": table.name, "v": highest},
                        )
            dst.execute(text("ANALYZE"))
    return copied


def cached_volume(families: int, seed: int) -> Path:
    """The SQLite file of the volume in the cache, built if needed."""
    cached = CACHE / f"volume-{families}-{seed}-v{FORMAT}.sqlite3"
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
    return cached


def build_volume(url: str, families: int, seed: int = 1, *, quiet: bool = False) -> Database:
    """The opened database at ``url`` holding the volume (built from the cache)."""
    started = time.perf_counter()
    if url.startswith("sqlite:///"):
        target = Path(url.removeprefix("sqlite:///"))
        how = "copié du cache"
        if not (CACHE / f"volume-{families}-{seed}-v{FORMAT}.sqlite3").exists():
            how = "construit et mis en cache"
        shutil.copyfile(cached_volume(families, seed), target)
        db = open_database(url)
    else:
        source = open_database(f"sqlite:///{cached_volume(families, seed)}")
        db = open_database(url)
        try:
            rows = copy_rows(source, db)
        finally:
            source.dispose()
        how = f"copié du cache SQLite ({rows:,} lignes)".replace(",", "\u202f")
    if not quiet:
        print(
            f"  jeu de données {families} familles {how} en {time.perf_counter() - started:.1f} s"
        )
    return db
