"""Families: search for the list, details for the family view and the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from sqlalchemy import ColumnElement, Integer, Select, func, literal_column, select, table
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.util import ClauseAdapter

from backoffice.errors import UserError
from backoffice.models import (
    ACCOUNT_STATE_LABELS,
    AccountState,
    Child,
    ChildContact,
    ConsentDefinition,
    Family,
    Guardian,
)
from backoffice.models.search_index import FAMILY_FTS_TABLE, TRIGRAM
from backoffice.services.child_file.completeness import missing_for_child, missing_for_family
from backoffice.text import fold


class NotFound(UserError):
    """Asked-for record does not exist (French message)."""


@dataclass(frozen=True, slots=True)
class FamilyRow:
    """One line of the families list: small and immutable."""

    id: int
    code: str
    name: str
    commune: str
    account_state: AccountState
    children: str
    phone: str
    email: str

    @property
    def account_state_label(self) -> str:
        return ACCOUNT_STATE_LABELS[self.account_state]

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "commune": self.commune,
            "account_state": self.account_state.value,
            "children": self.children,
            "phone": self.phone,
            "email": self.email,
        }


class _NamedChild(Protocol):
    @property
    def first_name(self) -> str: ...
    @property
    def last_name(self) -> str: ...


class SearchedFamily(Protocol):
    """What the search text is made of: a :class:`Family`, or a stand-in (bulk writes)."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def commune(self) -> str: ...
    @property
    def children(self) -> Sequence[_NamedChild]: ...


def search_text_for(family: SearchedFamily) -> str:
    parts = [family.code, family.name, family.commune]
    for child in family.children:
        parts += [child.first_name, child.last_name]
    return fold(" ".join(p for p in parts if p))


def refresh_search_text(family: Family) -> None:
    """Call after changing a family's name, commune or children."""
    family.search_text = search_text_for(family)


def _fts_phrase(term: str) -> str:
    """An FTS5 string (phrase) matching ``term`` anywhere, as ``LIKE '%term%'`` does."""
    return '"' + term.replace('"', '""') + '"'


def _fts_rowids(words: list[str]) -> Select[int]:
    """SQLite: the ids of the families whose text holds every word (3 characters
    or more), from the FTS5 trigram table alone."""
    return (
        select(literal_column("rowid", Integer))
        .select_from(table(FAMILY_FTS_TABLE))
        .where(literal_column(FAMILY_FTS_TABLE).op("MATCH")(" AND ".join(map(_fts_phrase, words))))
    )


def _search_filter(session: Session, query: str) -> list[ColumnElement[bool]]:
    """Every word of ``query`` somewhere in the family's search text, through the
    search index (migration 0005) rather than a scan of every family: on SQLite the
    words of 3 characters or more go to the FTS5 trigram table (shorter ones stay a
    ``LIKE``, narrowed by the others), on PostgreSQL the ``LIKE`` uses the GIN
    trigram index."""
    terms = fold(query).split()
    where: list[ColumnElement[bool]] = []
    if session.get_bind().dialect.name == "sqlite":
        indexed = [term for term in terms if len(term) >= TRIGRAM]
        if indexed:
            where.append(Family.id.in_(_fts_rowids(indexed)))
        terms = [term for term in terms if len(term) < TRIGRAM]
    where += [Family.search_text.contains(term, autoescape=True) for term in terms]
    return where


def count_families(session: Session, query: str = "") -> int:
    """How many families match ``query`` (the list asks only when the agent does)."""
    stmt = select(func.count(Family.id)).where(*_search_filter(session, query))
    return session.scalar(stmt) or 0


# How many families, in name order, the first try of a search reads (see
# :func:`search_families`): a word found in one family in 25 fills a page of 200 there.
WALK_ROWS = 5000


# Under this many families found through the trigram index, the matches are sorted
# at once (a rare word, an identifier): cheaper than a walk that would not fill the page.
FEW_MATCHES = 3000


def _few_matches(session: Session, query: str) -> bool:
    """Whether the words of ``query`` the trigram index can look up (3 characters
    or more) match fewer than :data:`FEW_MATCHES` families; False when no word can
    use it ("e"). Reads at most that many entries of the index."""
    words = [term for term in fold(query).split() if len(term) >= TRIGRAM]
    if not words:
        return False
    if session.get_bind().dialect.name == "sqlite":
        first = _fts_rowids(words)  # the FTS table alone, no family row read
    else:
        first = select(Family.id).where(*_search_filter(session, " ".join(words)))
    # Is there a FEW_MATCHES-th match? (Not a count: it stops there.)
    return session.execute(first.offset(max(FEW_MATCHES - 1, 0)).limit(1)).first() is None


def _page_ids(session: Session, query: str, offset: int, limit: int, walk: int | None):
    """The ids of the asked-for page of matches, in (name, id) order.

    ``walk``: look only among the first ``walk`` families in name order (an index
    scan that stops there); ``None``: among every match (the search index gives
    them, then they are sorted)."""
    where = _search_filter(session, query)
    if walk is None:
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql" and any(len(t) >= TRIGRAM for t in fold(query).split()):
            # Every match through the trigram index, then sorted: without the
            # fence the planner walks the name index hoping to find the page early,
            # which for a word further down the alphabet reads most of the table.
            matches = (
                select(Family.id, Family.name)
                .where(*where)
                .cte("matches")
                .prefix_with("MATERIALIZED")
            )
            return (
                select(matches.c.id)
                .order_by(matches.c.name, matches.c.id)
                .offset(offset)
                .limit(limit)
            )
        return (
            select(Family.id)
            .where(*where)
            .order_by(Family.name, Family.id)
            .offset(offset)
            .limit(limit)
        )
    # Only the index's columns unless a word is matched on the text itself (too
    # short for the SQLite trigram table, or PostgreSQL): no row read for the others.
    terms = fold(query).split()
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite:
        terms = [term for term in terms if len(term) < TRIGRAM]
    text_read = bool(terms)
    columns = [Family.id, Family.name] + ([Family.search_text] if text_read else [])
    first = select(*columns).order_by(Family.name, Family.id).limit(walk).subquery("walk")
    on_first = ClauseAdapter(first).traverse  # the filter, on the walk's columns
    page = select(first.c.id).where(*map(on_first, where))
    if not sqlite:
        page = page.order_by(first.c.name, first.c.id)
    # SQLite reads the walk as a co-routine, in its order, and stops at the page's
    # last row; ordering it again would read the whole walk first. (The caller
    # sorts the page's rows.)
    return page.offset(offset).limit(limit)


def _rows_of_page(session: Session, page) -> list[FamilyRow]:
    """The page's families with their current children's first names, one query."""
    children = (
        select(Child.family_id, Child.first_name, Child.birth_date)
        .where(Child.left_on.is_(None))  # current children
        .subquery("current_child")
    )
    stmt = (
        select(
            Family.id,
            Family.code,
            Family.name,
            Family.commune,
            Family.account_state,
            Family.phone,
            Family.login_email,
            children.c.first_name,
        )
        .outerjoin(children, children.c.family_id == Family.id)
        .where(Family.id.in_(page.scalar_subquery()))
        .order_by(Family.name, Family.id, children.c.birth_date, children.c.first_name)
    )
    rows: list[FamilyRow] = []
    names: list[str] = []
    previous = None
    for r in session.execute(stmt):
        if previous is None or r.id != previous.id:
            if previous is not None:
                rows.append(_family_row(previous, names))
            previous, names = r, []
        if r.first_name is not None:
            names.append(r.first_name)
    if previous is not None:
        rows.append(_family_row(previous, names))
    return rows


def _family_row(r, names: list[str]) -> FamilyRow:
    return FamilyRow(
        id=r.id,
        code=r.code,
        name=r.name,
        commune=r.commune,
        account_state=r.account_state,
        children=", ".join(names),
        phone=r.phone,
        email=r.login_email,
    )


def search_families(
    session: Session, query: str = "", *, offset: int = 0, limit: int | None = 200
) -> list[FamilyRow]:
    """Families matching every word of ``query`` (name, child, commune, identifier),
    in name order.

    A rare word (fewer than :data:`FEW_MATCHES` families through the search index)
    goes straight to its matches, sorted. Otherwise a page is looked for first
    among the first :data:`WALK_ROWS` families in name order (an index scan that
    stops there): a common word ("lea", "e") fills it without sorting its thousands
    of matches. When that does not fill the page (a word clustered further down the
    alphabet, "martin"; a later page), the search index gives every match and they
    are sorted. Issue #21: under 50 ms a keystroke at 100,000 families."""
    if limit is None:
        page = (
            select(Family.id)
            .where(*_search_filter(session, query))
            .order_by(Family.name, Family.id)
            .offset(offset)
        )
        return _rows_of_page(session, page)
    if offset + limit <= WALK_ROWS and not _few_matches(session, query):
        rows = _rows_of_page(session, _page_ids(session, query, offset, limit, WALK_ROWS))
        if len(rows) == limit:
            return rows
    return _rows_of_page(session, _page_ids(session, query, offset, limit, None))


@dataclass(frozen=True)
class ChildSummary:
    id: int
    full_name: str
    sex: str
    birth_date: date
    age: int
    school: str
    school_class: str
    missing: list[str]
    alerts: list[str]
    emergency_contacts: list[str]
    authorised_pickups: list[str]

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class FamilyDetail:
    family: Family
    guardians: list[Guardian]
    children: list[ChildSummary]
    missing: list[str] = field(default_factory=list)
    quotient: int | None = None

    @property
    def complete(self) -> bool:
        return not self.missing and all(c.complete for c in self.children)


def child_alerts(child: Child) -> list[str]:
    """Safety flags everybody on site must see (details stay in the medical record)."""
    alerts = []
    record = child.medical_record
    if record is not None:
        if record.has_pai:
            alerts.append("PAI")
        if record.allergy_food:
            alerts.append("Allergie alimentaire")
        if record.allergy_medication:
            alerts.append("Allergie médicamenteuse")
        if record.allergy_asthma:
            alerts.append("Asthme")
        if record.allergy_other:
            alerts.append("Autre allergie")
    return alerts


def _person_label(link: ChildContact) -> str:
    person = link.person
    label = person.full_name
    if person.relationship_label:
        label += f" ({person.relationship_label})"
    return label


def get_family_detail(session: Session, family_id: int, today: date | None = None) -> FamilyDetail:
    today = today or date.today()
    family = session.scalars(
        select(Family)
        .where(Family.id == family_id)
        .options(
            selectinload(Family.guardians),
            selectinload(Family.quotients),
            selectinload(Family.children).selectinload(Child.medical_record),
            selectinload(Family.children).selectinload(Child.vaccinations),
            selectinload(Family.children).selectinload(Child.consents),
            selectinload(Family.children)
            .selectinload(Child.contacts)
            .selectinload(ChildContact.person),
        )
    ).one_or_none()
    if family is None:
        raise NotFound(f"Aucune famille n'a l'identifiant {family_id}.")
    consents = session.scalars(select(ConsentDefinition).order_by(ConsentDefinition.position)).all()
    children = [
        ChildSummary(
            id=child.id,
            full_name=child.full_name,
            sex=child.sex.value,
            birth_date=child.birth_date,
            age=child.age_on(today),
            school=child.school,
            school_class=child.school_class,
            missing=missing_for_child(child, consents, today),
            alerts=child_alerts(child),
            emergency_contacts=[_person_label(c) for c in child.contacts if c.emergency_contact],
            authorised_pickups=[_person_label(c) for c in child.contacts if c.authorised_pickup],
        )
        for child in family.children
        if child.left_on is None  # a child who left: in the history, not on the card
    ]
    qf = family.quotient_on(today)
    return FamilyDetail(
        family=family,
        guardians=list(family.guardians),
        children=children,
        missing=missing_for_family(family),
        quotient=qf.quotient if qf else None,
    )


def find_family_id(session: Session, reference: str) -> int:
    """A family by database id or identifier ("F00042")."""
    reference = reference.strip()
    stmt = select(Family.id).where(Family.code == reference.upper())
    if reference.isdigit():
        stmt = select(Family.id).where(Family.id == int(reference))
    family_id = session.scalar(stmt)
    if family_id is None:
        raise NotFound(f"Aucune famille ne correspond à « {reference} ».")
    return family_id
