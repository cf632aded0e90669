"""Edits of many versioned rows written with one statement per table and columns.

The ORM writes one UPDATE per row of a versioned table (it checks each row's version by
the statement's rowcount, so it never batches them): a sync page editing thousands of
families and children costs one round trip each on PostgreSQL. :func:`flush_updates`
writes the session's pending column edits of such rows as executemany statements
``UPDATE … SET …, version = :new WHERE id = :id AND version = :old``, grouped by table and
set of columns, and checks the summed rowcount (a row changed meanwhile raises
``StaleDataError``, as the ORM would). It writes the audit trail of those edits as the
flush would, then marks the rows clean, so the next ORM flush leaves them alone. What it
cannot write this way (new or deleted rows, relationship changes, joined-table classes,
primary keys) stays for the ORM flush.

On PostgreSQL the rows travel as one array per column and the statement reads them with
``unnest`` — ``UPDATE … FROM unnest(:ids, :versions, …)``, ``INSERT … SELECT * FROM
unnest(…)`` — one statement the server plans and runs once, where ``executemany`` runs
it once per row (:mod:`~backoffice.services.common.bulk_rows`; the edits when their
columns' types allow).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import bindparam, inspect, update
from sqlalchemy.orm import ColumnProperty, Session
from sqlalchemy.orm.attributes import PASSIVE_NO_INITIALIZE, get_history, set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from backoffice.models import AuditEvent
from backoffice.services.common import audit
from backoffice.services.common.bulk_rows import as_arrays, insert_rows, unnest

OLD_VERSION, NEW_VERSION, ROW_ID = "_bu_old_version", "_bu_new_version", "_bu_id"


def _plan(obj) -> tuple[object, tuple[str, ...]] | None:
    """(table, changed column attribute keys) of an edit this module can write, else None."""
    state = inspect(obj)
    mapper = state.mapper
    if state.key is None or mapper.version_id_col is None or len(mapper.tables) != 1:
        return None
    changed = tuple(
        sorted(
            key
            for key in state.committed_state
            if get_history(obj, key, PASSIVE_NO_INITIALIZE).has_changes()
        )
    )
    if not changed:
        return None
    version_key = mapper._columntoproperty[mapper.version_id_col].key
    primary = {mapper._columntoproperty[c].key for c in mapper.primary_key}
    if primary != {"id"}:
        return None
    for key in changed:
        prop = mapper.attrs.get(key)
        if not isinstance(prop, ColumnProperty) or key in primary or key == version_key:
            return None
        if len(prop.columns) != 1 or prop.columns[0].table is not mapper.local_table:
            return None
    return mapper.local_table, changed


def flush_updates(session: Session, classes: tuple[type, ...]) -> int:
    """Write the pending column edits of ``classes``' rows in batches; rows written."""
    groups: dict[tuple, list] = defaultdict(list)
    for obj in list(session.dirty):
        if not isinstance(obj, classes):
            continue
        planned = _plan(obj)
        if planned is not None:
            groups[planned].append(obj)
    if not groups:
        return 0
    objects = [obj for members in groups.values() for obj in members]
    events = audit.edit_events(session, objects)
    connection = session.connection()
    written = 0
    for (table, keys), members in groups.items():
        mapper = inspect(members[0]).mapper
        version_col = mapper.version_id_col
        version_key = mapper._columntoproperty[version_col].key
        columns = {key: mapper.attrs[key].columns[0] for key in keys}
        # Columns set again on every update (``onupdate=utcnow``), as the ORM does.
        touched = [
            c
            for c in table.c
            if c.onupdate is not None
            and getattr(c.onupdate, "is_callable", False)
            and mapper._columntoproperty[c].key not in keys
        ]
        written_columns = [*columns.values(), *touched]
        rows, after = [], []
        for obj in members:
            row = {f"v_{col.name}": getattr(obj, key) for key, col in columns.items()}
            stamped = {}
            for c in touched:
                stamped[mapper._columntoproperty[c].key] = row[f"v_{c.name}"] = c.onupdate.arg(None)
            old = inspect(obj).committed_state.get(version_key, getattr(obj, version_key))
            row |= {ROW_ID: obj.id, OLD_VERSION: old, NEW_VERSION: old + 1}
            rows.append(row)
            after.append((obj, old + 1, stamped))
        if as_arrays(connection, [*written_columns, table.c.id, version_col]):
            names = [ROW_ID, OLD_VERSION, NEW_VERSION, *(f"v_{c.name}" for c in written_columns)]
            types = [table.c.id.type, version_col.type, version_col.type]
            found = unnest(names, [*types, *(c.type for c in written_columns)])
            statement = (
                update(table)
                .where(table.c.id == found.c[ROW_ID], version_col == found.c[OLD_VERSION])
                .values(
                    {c.name: found.c[f"v_{c.name}"] for c in written_columns}
                    | {version_col.name: found.c[NEW_VERSION]}
                )
            )
            result = connection.execute(statement, {n: [row[n] for row in rows] for n in names})
        else:
            values = {c.name: bindparam(f"v_{c.name}", type_=c.type) for c in written_columns}
            values[version_col.name] = bindparam(NEW_VERSION)
            statement = (
                update(table)
                .where(table.c.id == bindparam(ROW_ID), version_col == bindparam(OLD_VERSION))
                .values(values)
            )
            result = connection.execute(statement, rows)
        if result.rowcount != len(rows):
            raise StaleDataError(
                f"{table.name} : {len(rows) - result.rowcount} ligne(s) modifiée(s) entre-temps"
            )
        for obj, version, stamped in after:
            for key, value in stamped.items():
                set_committed_value(obj, key, value)
            set_committed_value(obj, version_key, version)
            # Everything the row holds is now what the database holds: clean (out of
            # ``session.dirty``, so the flush does not even look at it).
            state = inspect(obj)
            state._commit_all(state.dict, session.identity_map)
        written += len(rows)
    insert_rows(connection, AuditEvent, events)
    return written
