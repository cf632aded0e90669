"""« Dossiers incomplets »: every child whose file lacks something, and what.

The missing items are worded by :mod:`.completeness`, the same words the
registration refusal and the family view use. The families are loaded with
their children and files in a handful of queries per chunk of :data:`CHUNK`
families (``selectinload`` for families, guardians, children and medical records;
plain rows for vaccinations, contacts with their persons and consent answers),
never one query per child. Each chunk is read in a session of its own, closed before the next: at
20,000 families the whole load at once held 500 MB of objects.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, load_only, selectinload

from backoffice.models import (
    Child,
    ChildContact,
    ConsentAnswer,
    Family,
    Guardian,
    MedicalRecord,
    Person,
    Vaccination,
)
from backoffice.services.child_file.completeness import missing_for_child, missing_for_family
from backoffice.services.child_file.editing import active_consents
from backoffice.text import fold

CHUNK = 1000  # families read (and released) at a time


@dataclass(frozen=True, slots=True)
class IncompleteFile:
    """One line of the list: a child (or a family without children) and what is missing."""

    family_id: int
    family_code: str
    family_name: str
    child_id: int | None
    child_name: str
    age: int | None
    age_months: int | None
    missing: tuple[str, ...]  # the child's, worded by completeness.py
    family_missing: tuple[str, ...]  # the family's, worded by completeness.py

    @property
    def all_missing(self) -> tuple[str, ...]:
        return self.missing + tuple(f"Famille : {item}" for item in self.family_missing)

    @property
    def search_key(self) -> str:
        """Folded text a search matches (family code and name, child's name)."""
        return fold(f"{self.family_code} {self.family_name} {self.child_name}")


def _search_filter(search: str):
    return [Family.search_text.contains(term, autoescape=True) for term in fold(search).split()]


class _ChildView:
    """A loaded child whose vaccinations, contacts and consent answers are plain rows.

    Those tables hold most of the rows (eleven vaccines a child, a few persons);
    reading them as tuples instead of ORM objects makes the list several times
    faster. Everything else is the child's own attribute.
    """

    __slots__ = ("_child", "vaccinations", "contacts", "consents")

    def __init__(self, child: Child, vaccinations, contacts, consents):
        self._child = child
        self.vaccinations = vaccinations
        self.contacts = contacts
        self.consents = consents

    def __getattr__(self, name):
        return getattr(self._child, name)


class _ContactRow:
    """A child's link to a person, read as one row with the person's mandatory fields
    (what :func:`.completeness.child_file_facts` reads of a ``ChildContact``)."""

    __slots__ = ("id", "position", "emergency_contact", "authorised_pickup", "person")

    def __init__(self, row):
        self.id = row.id
        self.position = row.position
        self.emergency_contact = row.emergency_contact
        self.authorised_pickup = row.authorised_pickup
        self.person = row  # last_name, first_name, relationship_label, phone1


def _child_rows(session: Session, family_ids: list[int]) -> tuple[dict, dict, dict]:
    """Vaccinations, contacts (with their persons) and consent answers of these
    families' children, by child id."""
    vaccinations: dict[int, list] = defaultdict(list)
    for row in session.execute(
        select(Vaccination.child_id, Vaccination.vaccine, Vaccination.done, Vaccination.last_date)
        .join(Child, Child.id == Vaccination.child_id)
        .where(Child.family_id.in_(family_ids))
    ):
        vaccinations[row.child_id].append(row)
    contacts: dict[int, list] = defaultdict(list)
    for link in session.execute(
        select(
            ChildContact.child_id,
            ChildContact.id,
            ChildContact.position,
            ChildContact.emergency_contact,
            ChildContact.authorised_pickup,
            Person.last_name,
            Person.first_name,
            Person.relationship_label,
            Person.phone1,
        )
        .join(Person, Person.id == ChildContact.person_id)
        .join(Child, Child.id == ChildContact.child_id)
        .where(Child.family_id.in_(family_ids))
        .order_by(ChildContact.child_id, ChildContact.position, ChildContact.id)
    ):
        contacts[link.child_id].append(_ContactRow(link))
    answers: dict[int, list] = defaultdict(list)
    for answer in session.execute(
        select(ConsentAnswer.child_id, ConsentAnswer.consent_id)
        .join(Child, Child.id == ConsentAnswer.child_id)
        .where(Child.family_id.in_(family_ids))
    ):
        answers[answer.child_id].append(answer)
    return vaccinations, contacts, answers


@contextmanager
def _collector_paused():
    """A chunk's load makes some 10,000 short-lived objects: the cyclic garbage
    collector would run many times over the whole heap for nothing (it doubled the
    time). Once the chunk's session is closed, its objects (ORM rows hold cycles) are
    collected in one pass over the youngest generation, where they all are."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect(0)


def incomplete_files(
    session: Session, today: date, *, search: str = "", limit: int | None = None
) -> list[IncompleteFile]:
    """Incomplete files, by family name then child's birth date.

    ``search`` matches every word against the family's search text (name,
    identifier, commune, children's first names), like the families list.
    """
    consents = active_consents(session)
    family_ids = session.scalars(
        select(Family.id).where(*_search_filter(search)).order_by(Family.name, Family.id)
    ).all()
    rows: list[IncompleteFile] = []
    for start in range(0, len(family_ids), CHUNK):
        chunk = list(family_ids[start : start + CHUNK])
        # A session of its own on the caller's connection (same transaction), closed
        # before the next chunk: its families, children and files are released.
        with _collector_paused(), Session(bind=session.connection()) as reading:
            _chunk_rows(reading, chunk, consents, today, rows, limit)
        if limit is not None and len(rows) >= limit:
            return rows[:limit]
    return rows


def _chunk_rows(
    session: Session,
    family_ids: list[int],
    consents,
    today: date,
    rows: list[IncompleteFile],
    limit: int | None,
) -> None:
    order = {family_id: n for n, family_id in enumerate(family_ids)}
    families = session.scalars(
        select(Family)
        .where(Family.id.in_(family_ids))
        .options(
            load_only(
                Family.id,
                Family.code,
                Family.name,
                Family.address_line1,
                Family.postcode,
                Family.commune,
                Family.login_email,
                Family.phone,
            ),
            selectinload(Family.guardians).load_only(
                Guardian.family_id, Guardian.is_payer, Guardian.mobile_phone, Guardian.home_phone
            ),
            selectinload(Family.children)
            .load_only(
                Child.family_id,
                Child.first_name,
                Child.last_name,
                Child.sex,
                Child.birth_date,
                Child.school,
            )
            .options(
                selectinload(Child.medical_record).load_only(
                    MedicalRecord.child_id,
                    MedicalRecord.doctor_name,
                    MedicalRecord.doctor_phone,
                    MedicalRecord.allergy_asthma,
                    MedicalRecord.allergy_food,
                    MedicalRecord.allergy_medication,
                    MedicalRecord.allergy_other,
                    MedicalRecord.allergy_detail,
                    MedicalRecord.has_pai,
                    MedicalRecord.pai_detail,
                ),
            ),
        )
    )
    vaccinations, contacts, answers = _child_rows(session, family_ids)
    for family in sorted(families, key=lambda f: order[f.id]):
        family_missing = tuple(missing_for_family(family))
        if not family.children and family_missing:
            rows.append(
                IncompleteFile(
                    family.id, family.code, family.name, None, "", None, None, (), family_missing
                )
            )
        for child in family.children:
            view = _ChildView(
                child,
                vaccinations.get(child.id, ()),
                contacts.get(child.id, ()),
                answers.get(child.id, ()),
            )
            missing = tuple(missing_for_child(view, consents, today))
            if missing or family_missing:
                rows.append(
                    IncompleteFile(
                        family_id=family.id,
                        family_code=family.code,
                        family_name=family.name,
                        child_id=child.id,
                        child_name=child.full_name,
                        age=child.age_on(today),
                        age_months=child.age_months_on(today),
                        missing=missing,
                        family_missing=family_missing,
                    )
                )
        if limit is not None and len(rows) >= limit:
            return
