# Long module: one generator per table of the demo world, written with Core in chunks; data, not domain code.
"""Demo data: the Sud Sarthe catalogue and N realistic families, deterministic per seed.

``load_demo`` loads the demo catalogue, then generates families, guardians,
children with their files (some deliberately incomplete), registrations,
bookings with attendance and pending portal requests against what the
catalogue holds. Rows are written with Core ``executemany`` per chunk of
families; every timestamp derives from ``today``, never from the clock, so the
same seed and day give the same database.
"""

from __future__ import annotations

import random
import time as timer
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from backoffice.dates import paris_today
from backoffice.demo.billing import DemoBilling, issue_demo_invoices
from backoffice.demo.bookings import (
    BookingMaker,
    CatalogueView,
    ChildFacts,
    paris_instant,
)
from backoffice.demo.child_files import FileMaker
from backoffice.demo.people import People
from backoffice.errors import UserError
from backoffice.models import (
    MEDICAL_ROLES,
    AccountState,
    Activity,
    AllowanceScheme,
    Booking,
    Child,
    ChildContact,
    Closure,
    ConsentAnswer,
    ConsentDefinition,
    DiseaseHistory,
    Family,
    FamilyQuotient,
    Guardian,
    MedicalRecord,
    Period,
    Person,
    PortalRequest,
    Regie,
    Registration,
    RequestBooking,
    RequestKind,
    Role,
    Sex,
    Site,
    StaffUser,
    Tariff,
    Unit,
    Vaccination,
    staff_regie,
)
from backoffice.storage import Database
from backoffice.text import fold

CHUNK = 100
# Insertion order: parents before children (foreign keys are checked on SQLite too).
TABLES = {
    "family": Family,
    "family_quotient": FamilyQuotient,
    "guardian": Guardian,
    "child": Child,
    "medical_record": MedicalRecord,
    "vaccination": Vaccination,
    "disease_history": DiseaseHistory,
    "person": Person,
    "child_contact": ChildContact,
    "consent_answer": ConsentAnswer,
    "registration": Registration,
    "booking": Booking,
    "portal_request": PortalRequest,
    "request_booking": RequestBooking,
}
STAFF = (
    ("admin", "Claire Besnard", Role.ADMIN),
    ("mhuet", "Mélanie Huet", Role.AGENT),
    ("tpapin", "Thierry Papin", Role.AGENT),
    ("lchauvin", "Laurence Chauvin", Role.DIRECTOR),
    ("jfoucault", "Jérôme Foucault", Role.ACCOUNTANT),
)
CATALOGUE_COUNTS = {
    "régies": Regie,
    "établissements": Site,
    "activités": Activity,
    "périodes": Period,
    "unités": Unit,
    "tarifs": Tariff,
    "fermetures": Closure,
    "autorisations": ConsentDefinition,
}
ACCOUNT_STATES = (
    (AccountState.ACTIVE, 80),
    (AccountState.AWAITING_ACTIVATION, 11),
    (AccountState.FORM_RECEIVED, 5),
    (AccountState.DISABLED, 4),
)


@dataclass
class DemoReport:
    families: int
    seed: int
    today: date
    rows: dict[str, int]
    seconds: float
    incomplete_children: int = 0
    catalogue: dict[str, int] = field(default_factory=dict)
    billing: DemoBilling | None = None

    def as_dict(self) -> dict:
        return {
            "families": self.families,
            "seed": self.seed,
            "today": self.today.isoformat(),
            "seconds": round(self.seconds, 2),
            "rows": dict(self.rows),
            "catalogue": dict(self.catalogue),
            "incomplete_children": self.incomplete_children,
            "billing": asdict(self.billing) if self.billing else None,
        }

    def summary(self) -> str:
        r = self.rows
        lines = [
            f"Données de démonstration chargées (graine {self.seed}, date {self.today:%d/%m/%Y}) "
            f"en {self.seconds:.1f} s.",
            f"  {r.get('family', 0)} familles, {r.get('guardian', 0)} responsables légaux, "
            f"{r.get('child', 0)} enfants ({self.incomplete_children} dossiers incomplets)",
            f"  {r.get('person', 0)} personnes à contacter ou autorisées, "
            f"{r.get('consent_answer', 0)} réponses aux autorisations",
            f"  {r.get('registration', 0)} inscriptions, {r.get('booking', 0)} réservations, "
            f"{r.get('portal_request', 0)} demandes du portail en attente",
            f"  {r.get('staff_user', 0)} comptes agents",
        ]
        if self.billing:
            b = self.billing
            lines.append(
                f"  Facturation du mois dernier : {b.invoices} factures émises, "
                f"{b.payments} règlements au guichet, {b.sent_to_tresor} transmises au "
                "Trésor public"
            )
        if self.catalogue:
            lines.append(
                "  Catalogue : "
                + ", ".join(f"{count} {name}" for name, count in self.catalogue.items())
            )
        return "\n".join(lines)


def load_demo(
    db: Database,
    families: int,
    seed: int,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    billing: bool = False,
) -> DemoReport:
    """Load the demo catalogue and ``families`` families into an empty database; with
    ``billing``, last month invoiced and partly paid too (:mod:`.billing`)."""
    if families < 0:
        raise UserError("Le nombre de familles doit être positif ou nul.")
    today = today or paris_today()
    started = timer.perf_counter()
    with db.session() as session:
        _refuse_if_not_empty(session)
        catalogue = _load_catalogue(session, today)
        rows = populate(session, families, seed, today, progress)
    invoiced = None
    if billing and families:
        with db.session() as session:
            invoiced = issue_demo_invoices(session, seed, today)
    report = DemoReport(
        families=families,
        seed=seed,
        today=today,
        rows=rows,
        seconds=timer.perf_counter() - started,
        catalogue=catalogue,
        billing=invoiced,
    )
    report.incomplete_children = rows.pop("incomplete_children", 0)
    return report


def _refuse_if_not_empty(session: Session) -> None:
    existing = session.scalar(select(func.count(Family.id)))
    if existing:
        raise UserError(
            f"La base contient déjà {existing} famille(s) : les données de démonstration "
            "ne se chargent que dans une base vide."
        )


def _load_catalogue(session: Session, today: date) -> dict[str, int]:
    from backoffice.demo.catalogue import demo_catalogue_toml
    from backoffice.services.catalogue.import_export import apply_catalogue, parse_catalogue

    apply_catalogue(session, parse_catalogue(demo_catalogue_toml(today), "démo"))
    session.flush()
    return {
        label: session.scalar(select(func.count()).select_from(model)) or 0
        for label, model in CATALOGUE_COUNTS.items()
    }


def populate(
    session: Session,
    families: int,
    seed: int,
    today: date,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Generate ``families`` families against the catalogue already in ``session``."""
    _refuse_if_not_empty(session)
    rng = random.Random(seed)
    staff, added = _ensure_staff(session, today)
    ids = _IdAllocator(session)
    rows: dict[str, list[dict]] = {name: [] for name in TABLES}
    catalogue = CatalogueView(session)
    consents = session.scalars(
        select(ConsentDefinition)
        .where(ConsentDefinition.active)
        .order_by(ConsentDefinition.position, ConsentDefinition.id)
    ).all()
    deciders = [staff[login] for login, _, role in STAFF if role in (Role.AGENT, Role.DIRECTOR)]
    bookings = BookingMaker(rng, catalogue, today, ids.next, rows, deciders)
    maker = _FamilyMaker(rng, today, ids.next, rows, consents, bookings)
    counts = {"staff_user": added}
    if progress:
        progress(0, families)
    for start in range(0, families, CHUNK):
        for number in range(start + 1, min(start + CHUNK, families) + 1):
            maker.family(number)
        for name, table_rows in rows.items():
            if table_rows:
                session.execute(insert(TABLES[name].__table__), table_rows)
                counts[name] = counts.get(name, 0) + len(table_rows)
                table_rows.clear()
        if progress:
            progress(min(start + CHUNK, families), families)
    _advance_sequences(session)
    counts = {name: counts.get(name, 0) for name in ("staff_user", *TABLES)}
    counts["incomplete_children"] = maker.files.incomplete
    return counts


class _IdAllocator:
    """Primary keys chosen here, so rows need no RETURNING round trip."""

    def __init__(self, session: Session):
        self._next = {
            name: (session.scalar(select(func.max(model.__table__.c.id))) or 0) + 1
            for name, model in TABLES.items()
        }

    def next(self, table: str) -> int:
        value = self._next[table]
        self._next[table] = value + 1
        return value


def _advance_sequences(session: Session) -> None:
    """PostgreSQL: ids were given explicitly, so move each serial past them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for name in TABLES:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
            )
        )


def _ensure_staff(session: Session, today: date) -> tuple[dict[str, int], int]:
    """The demo's agents (those not there yet); their ids by login and how many were added."""
    existing = set(session.scalars(select(StaffUser.login)))
    created = paris_instant(today - timedelta(days=400), 9 * 60)
    missing = [
        {
            "login": login,
            "full_name": name,
            "role": role,
            "medical_access": role in MEDICAL_ROLES,
            "active": True,
            "created_at": created,
            "version": 1,
        }
        for login, name, role in STAFF
        if login not in existing
    ]
    if missing:
        session.execute(insert(StaffUser.__table__), missing)
    ids = dict(session.execute(select(StaffUser.login, StaffUser.id)).all())
    # The demo's régisseur keeps every régie of the catalogue.
    assigned = set(session.execute(select(staff_regie.c.staff_user_id, staff_regie.c.regie_id)))
    pairs = [
        {"staff_user_id": ids[login], "regie_id": regie_id}
        for login, _name, role in STAFF
        if role is Role.ACCOUNTANT
        for regie_id in session.scalars(select(Regie.id))
        if (ids[login], regie_id) not in assigned
    ]
    if pairs:
        session.execute(insert(staff_regie), pairs)
    return ids, len(missing)


class _FamilyMaker:
    """One family at a time: address, guardians, QF, children and their files."""

    def __init__(self, rng, today, next_id, rows, consents, bookings: BookingMaker):
        self.rng = rng
        self.today = today
        self.now = paris_instant(today, 8 * 60)
        self.next_id = next_id
        self.rows = rows
        self.people = People(rng)
        self.files = FileMaker(rng, today, next_id, rows, consents, self.people)
        self.bookings = bookings

    def family(self, number: int) -> None:
        rng, people = self.rng, self.people
        family_id = self.next_id("family")
        state = rng.choices([s for s, _ in ACCOUNT_STATES], weights=[w for _, w in ACCOUNT_STATES])[
            0
        ]
        days_ago = (
            rng.randint(1, 12) if state is AccountState.FORM_RECEIVED else rng.randint(20, 1500)
        )
        created = paris_instant(self.today - timedelta(days=days_ago), rng.randint(510, 1080))
        address = people.address()
        guardians, children_last_name = self._guardians(family_id)
        payer = guardians[0]
        scheme = rng.choices(
            [AllowanceScheme.CAF, AllowanceScheme.MSA, AllowanceScheme.NONE], weights=[82, 12, 6]
        )[0]
        number_text = {
            AllowanceScheme.CAF: people.caf_number,
            AllowanceScheme.MSA: people.msa_number,
        }.get(scheme, lambda: "")()
        landline = people.landline() if rng.random() < 0.35 else ""
        children = self._children(family_id, children_last_name, address, created)
        name = payer["last_name"]
        code = f"F{number:05d}"
        parts = [code, name, address.commune.name]
        for child in sorted(children, key=lambda c: c["birth_date"]):
            parts += [child["first_name"], child["last_name"]]
        billing = (
            payer["email"] if len(guardians) == 1 or rng.random() < 0.85 else guardians[1]["email"]
        )
        self.rows["family"].append(
            {
                "id": family_id,
                "version": 1,
                "created_at": created,
                "updated_at": created + timedelta(days=rng.randint(0, (self.now - created).days)),
                "code": code,
                "name": name,
                "account_state": state,
                "address_line1": address.line1,
                "address_line2": address.line2,
                "postcode": address.commune.postcode,
                "commune": address.commune.name,
                "insee_code": address.commune.insee_code,
                "phone": landline or payer["mobile_phone"],
                "login_email": payer["email"],
                "pending_login_email": None,
                "billing_email": billing,
                "allowance_scheme": scheme,
                "allowance_number": number_text,
                "notes": "",
                "activated_at": (
                    min(created + timedelta(days=2), self.now)
                    if state in (AccountState.ACTIVE, AccountState.DISABLED)
                    else None
                ),
                "search_text": fold(" ".join(p for p in parts if p)),
            }
        )
        for guardian in guardians:
            if landline and rng.random() < 0.7:
                guardian["home_phone"] = landline
            self.rows["guardian"].append(guardian)
        self._quotients(family_id, scheme, created)
        facts = self.files.children(family_id, children, guardians, address, created)
        portal = state is AccountState.ACTIVE
        requests: list[dict] = []
        if state in (AccountState.ACTIVE, AccountState.AWAITING_ACTIVATION):
            for child in facts:
                child.portal_user = portal
                requests += self.bookings.child(child)
        if portal:
            requests += self._family_requests(family_id, guardians, facts)
        self.rows["portal_request"] += requests

    # Guardians -------------------------------------------------------------
    def _guardians(self, family_id: int) -> tuple[list[dict], str]:
        rng, people = self.rng, self.people
        father_name = people.last_name()
        couple = rng.random() < 0.74
        mother_name = father_name if couple and rng.random() < 0.55 else people.last_name()
        members: list[tuple[bool, str]] = []
        if couple:
            members = [(True, mother_name), (False, father_name)]
            if rng.random() < 0.4:
                members.reverse()
        elif rng.random() < 0.82:
            members = [(True, mother_name)]
        else:
            members = [(False, father_name)]
        children_last = father_name
        if couple and mother_name != father_name and rng.random() < 0.15:
            children_last = f"{father_name} {mother_name}"
        elif not couple and members[0][0] and rng.random() < 0.5:
            children_last = mother_name
        guardians = []
        for rank, (female, last) in enumerate(members, start=1):
            first = people.parent_first_name(female)
            guardians.append(
                {
                    "id": self.next_id("guardian"),
                    "version": 1,
                    "family_id": family_id,
                    "rank": rank,
                    "civility": "Mme" if female else "M.",
                    "last_name": last,
                    "first_name": first,
                    "relationship_label": "mère" if female else "père",
                    "is_payer": rank == 1,
                    "mobile_phone": people.mobile() if rank == 1 or rng.random() < 0.95 else "",
                    "home_phone": "",
                    "work_phone": people.landline() if rng.random() < 0.2 else "",
                    "email": people.email(first, last),
                    "profession": people.profession(female),
                    "employer": people.employer(),
                    "address_line1": "",
                    "postcode": "",
                    "commune": "",
                }
            )
        return guardians, children_last

    def _quotients(self, family_id: int, scheme: AllowanceScheme, created: datetime) -> None:
        rng = self.rng
        if scheme is AllowanceScheme.NONE or rng.random() < 0.08:
            return
        value = int(min(2600, max(180, rng.gauss(860, 330))))
        year = self.today.year
        spans = [(date(year, 1, 1), None, value)]
        if rng.random() < 0.55 and created.year < year:
            last = int(value * rng.uniform(0.85, 1.12))
            spans.insert(0, (date(year - 1, 1, 1), date(year - 1, 12, 31), last))
        for valid_from, valid_to, quotient in spans:
            recorded = paris_instant(
                valid_from + timedelta(days=rng.randint(3, 40)), rng.randint(540, 1020)
            )
            self.rows["family_quotient"].append(
                {
                    "id": self.next_id("family_quotient"),
                    "family_id": family_id,
                    "quotient": quotient,
                    "valid_from": valid_from,
                    "valid_to": valid_to,
                    "source": scheme,
                    "recorded_at": min(recorded, self.now - timedelta(hours=rng.randint(1, 48))),
                }
            )

    # Children --------------------------------------------------------------
    def _children(self, family_id, last_name, address, created) -> list[dict]:
        """Birth dates, sexes and first names (files come later from FileMaker)."""
        rng = self.rng
        count = rng.choices([1, 2, 3, 4], weights=[35, 42, 17, 6])[0]
        bucket = rng.choices(
            [(120, 1095), (1095, 2190), (2190, 4015), (4015, 5475), (5475, 6500)],
            weights=[15, 24, 34, 19, 8],
        )[0]
        age_days = rng.randint(*bucket)
        ages = [age_days]
        for _ in range(count - 1):
            gap = 0 if rng.random() < 0.03 else rng.randint(420, 2300)  # 3 % twins
            if ages[-1] - gap < 75:
                break
            ages.append(ages[-1] - gap)
        taken: set[str] = set()
        children = []
        for age in ages:
            female = rng.random() < 0.49
            first = self.people.child_first_name(female, taken)
            taken.add(first)
            children.append(
                {
                    "id": self.next_id("child"),
                    "family_id": family_id,
                    "first_name": first,
                    "last_name": last_name,
                    "sex": Sex.FEMALE if female else Sex.MALE,
                    "birth_date": self.today - timedelta(days=age),
                }
            )
        return children

    # Requests not tied to bookings ----------------------------------------
    def _family_requests(
        self, family_id: int, guardians: list[dict], facts: list[ChildFacts]
    ) -> list[dict]:
        rng = self.rng
        requests = []
        family_row = self.rows["family"][-1]
        if rng.random() < 0.015:
            payer = guardians[0]
            new = self.people.email(payer["first_name"], payer["last_name"] + "-" + "perso")
            family_row["pending_login_email"] = new
            requests.append(
                self.bookings.request_row(
                    self.next_id("portal_request"),
                    RequestKind.LOGIN_EMAIL_CHANGE,
                    family_id,
                    None,
                    None,
                    None,
                    self.now - timedelta(minutes=rng.randint(30, 5 * 24 * 60)),
                    {"old": family_row["login_email"], "new": new},
                )
            )
        if rng.random() < 0.05 and facts:
            child = rng.choice(facts)
            change = self.files.change_request(family_row, guardians, child)
            requests.append(
                self.bookings.request_row(
                    self.next_id("portal_request"),
                    RequestKind.FILE_CHANGE,
                    family_id,
                    child.id if change["entity"] in ("child", "medical_record") else None,
                    None,
                    None,
                    self.now - timedelta(minutes=rng.randint(30, 7 * 24 * 60)),
                    change,
                )
            )
        return requests
