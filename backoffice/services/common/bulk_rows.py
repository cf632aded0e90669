"""Many rows in one statement on PostgreSQL: one array per column, read with ``unnest``.

``executemany`` runs a statement once per row (psycopg pipelines them, the server still
parses, plans and runs each); ``INSERT … SELECT * FROM unnest(:a, :b, …)`` and
``UPDATE … FROM unnest(…)`` are one statement whatever the number of rows. SQLite and
types an array does not carry as they are (JSON) keep ``executemany``.
"""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    Boolean,
    Connection,
    Date,
    DateTime,
    Enum,
    Integer,
    Numeric,
    String,
    bindparam,
    func,
    insert,
    select,
)
from sqlalchemy.sql.selectable import TableValuedAlias

# Column types an array parameter carries as they are (JSON and the like do not).
_ARRAY_SAFE = (String, Integer, Boolean, Date, DateTime, Numeric, Enum)


def as_arrays(connection: Connection, columns) -> bool:
    """Whether rows of these columns can travel as one array per column (PostgreSQL)."""
    return connection.dialect.name == "postgresql" and all(
        isinstance(column.type, _ARRAY_SAFE)
        or isinstance(getattr(column.type, "impl", None), _ARRAY_SAFE)
        for column in columns
    )


def unnest(names: list[str], types: list) -> TableValuedAlias:
    """``unnest(:name_1, :name_2, …) AS rows(name_1, name_2, …)``: one row per index."""
    arrays = [bindparam(name, type_=ARRAY(type_)) for name, type_ in zip(names, types, strict=True)]
    return func.unnest(*arrays).table_valued(*names).render_derived(name="rows")


def insert_rows(connection: Connection, entity: type, rows: list[dict]) -> None:
    """``INSERT`` these rows of a mapped class (same keys: column names): one
    ``executemany``, or on PostgreSQL one statement over an array per column."""
    if not rows:
        return
    table = entity.__table__  # type: ignore[attr-defined]
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    if len(rows) == 1 or not as_arrays(connection, columns):
        connection.execute(insert(table), rows)
        return
    values = unnest(names, [c.type for c in columns])
    statement = insert(table).from_select(names, select(*(values.c[n] for n in names)))
    connection.execute(statement, {name: [row[name] for row in rows] for name in names})


def insert_tuples(connection: Connection, table, names: list[str], rows: list[tuple]) -> None:
    """``INSERT`` rows given as tuples in ``names``' order: one ``executemany`` of one
    statement compiled once, each value bound by its column's type, and none of the
    per-row parameter dictionaries ``connection.execute(insert(table), dicts)`` builds
    (a third of the time of tens of thousands of rows)."""
    if not rows:
        return
    dialect = connection.dialect
    compiled = (
        insert(table).values({name: bindparam(name) for name in names}).compile(dialect=dialect)
    )
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    ]
    if any(processors):
        bound = [(i, p) for i, p in enumerate(processors) if p is not None]
        converted = []
        for row in rows:
            values = list(row)
            for i, process in bound:
                values[i] = process(values[i])
            converted.append(values)
        rows = converted  # type: ignore[assignment]
    if compiled.positional:
        order = [names.index(name) for name in compiled.positiontup or ()]
        parameters: list = [tuple(row[i] for i in order) for row in rows]
    else:
        parameters = [dict(zip(names, row, strict=True)) for row in rows]
    connection.exec_driver_sql(compiled.string, parameters)
