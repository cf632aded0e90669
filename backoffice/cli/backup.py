"""``backoffice-cli backup`` (SQLite copy or ``pg_dump``, then retention) and
``backoffice-cli restore FICHIER`` (checked SQLite swap, or ``pg_restore`` into an empty
PostgreSQL database). See docs/backups.md."""

from __future__ import annotations

from pathlib import Path

from backoffice.cli.output import print_json
from backoffice.storage import Database, resolve_database_url


def _actor(db: Database):
    from backoffice.services.common.actors import bind, current_actor

    with db.session() as session:
        actor = current_actor(session)
        bind(session, actor)
    return actor


def cmd_backup(db: Database, args) -> int:
    from backoffice.services.backup.service import backup_now, folder_of, list_backups

    actor = _actor(db)
    made = backup_now(db, actor)
    if args.json:
        print_json({"fichier": str(made), "taille": made.stat().st_size})
        return 0
    print(f"Sauvegarde écrite : {made} ({made.stat().st_size} octets).")
    kept = list_backups(folder_of(db, actor))
    print(f"{len(kept)} sauvegarde(s) conservée(s) dans {made.parent}.")
    return 0


def cmd_restore(_db: None, args) -> int:
    """Runs without opening (nor migrating) the target database: a PostgreSQL target
    must stay empty until ``pg_restore`` fills it, a SQLite file is replaced whole."""
    from sqlalchemy import make_url

    from backoffice.services.backup.service import restore
    from backoffice.services.common.actors import SYSTEM
    from backoffice.services.database import open_database

    url = resolve_database_url(args.database_url)
    parsed = make_url(url)
    actor = SYSTEM  # an empty PostgreSQL database has no staff to ask
    if parsed.get_backend_name() == "sqlite" and parsed.database and Path(parsed.database).exists():
        current = open_database(url, migrate=False)
        try:
            actor = _actor(current)
        finally:
            current.dispose()
    kept = restore(url, actor, Path(args.file))
    print(f"Sauvegarde {args.file} restaurée.")
    if kept is not None:
        print(f"L'ancienne base est conservée sous {kept}.")
    return 0


def register(sub) -> None:
    """Add ``backup`` and ``restore``."""
    p = sub.add_parser("backup", help="sauvegarde la base (SQLite ou pg_dump) avec rétention")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="restaure une sauvegarde (PostgreSQL : dans une base vide)")
    p.add_argument("file", metavar="FICHIER", help="fichier de sauvegarde (.sqlite3 ou .dump)")
    p.set_defaults(func=cmd_restore, without_database=True)
