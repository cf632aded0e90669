"""Gap-free numbers per régie, document kind and year.

A number is taken from :class:`NumberSequence` in the very transaction that
writes the document: if the program dies before the commit, neither the
documents nor the increment exist, so no number is ever lost or given twice.

Concurrency: :func:`lock_sequence` is the first thing a writer does.
PostgreSQL: ``SELECT … FOR UPDATE`` on the sequence row (created on first use,
a concurrent creator is caught by the unique constraint and waits on the row
instead): a second agent issuing for the same régie waits until the first
commits, then sees its invoices. SQLite: a no-op ``UPDATE`` takes the
database's single write lock at once (SQLite serialises writers; taking it
first avoids a "database is locked" on a late lock upgrade).
"""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backoffice.models import DocumentKind, NumberSequence


def take_write_lock(session: Session) -> None:
    """SQLite: hold the database write lock from now to the commit (no-op elsewhere)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE number_sequence SET last_value = last_value WHERE 0"))


def lock_sequence(session: Session, regie_id: int, kind: DocumentKind, year: int) -> NumberSequence:
    """The sequence row, locked until the end of the transaction (created if missing)."""
    take_write_lock(session)
    stmt = (
        select(NumberSequence)
        .where(
            NumberSequence.regie_id == regie_id,
            NumberSequence.kind == kind,
            NumberSequence.year == year,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    seq = session.scalar(stmt)
    if seq is not None:
        return seq
    try:
        with session.begin_nested():
            session.add(NumberSequence(regie_id=regie_id, kind=kind, year=year, last_value=0))
    except IntegrityError:
        pass  # another agent created it meanwhile: wait on its lock below
    return session.scalars(stmt).one()


def take_numbers(session: Session, regie_id: int, kind: DocumentKind, year: int, count: int) -> int:
    """Reserve ``count`` consecutive numbers; returns the first one."""
    seq = lock_sequence(session, regie_id, kind, year)
    first = seq.last_value + 1
    seq.last_value = first + count - 1
    session.flush()
    return first


def last_number(session: Session, regie_id: int, kind: DocumentKind, year: int) -> int:
    return (
        session.scalar(
            select(NumberSequence.last_value).where(
                NumberSequence.regie_id == regie_id,
                NumberSequence.kind == kind,
                NumberSequence.year == year,
            )
        )
        or 0
    )
