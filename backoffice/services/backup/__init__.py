"""Backups: SQLite online copies (sqlite3 backup API) and PostgreSQL dumps (pg_dump),
kept by a retention rule, and restores that check the candidate before replacing anything.

- :mod:`.retention` — which files to keep (pure);
- :mod:`.files` — the backup folder, file names, listing;
- :mod:`.sqlite_backup` — copy, check, restore a SQLite file;
- :mod:`.postgres_backup` — ``pg_dump`` / ``pg_restore`` into an empty database;
- :mod:`.service` — what the GUI and the CLI call (role check, dispatch by backend).
"""
