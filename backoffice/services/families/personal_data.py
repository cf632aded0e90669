"""Data protection (RGPD): what we hold about a family, and anonymising inactive ones.

- :func:`export_personal_data` answers an access request: every row about the
  family, its guardians and children (medical record included: it is the
  family's own data, so the actor must be allowed to see health data), its
  bookings, portal requests, invoices, payments and the audit events about it.
  The export itself is recorded in the audit trail.
- :func:`anonymise_inactive` replaces the personal data of families with no
  activity for N years by neutral values. Accounting stays: invoices and
  payments keep their numbers and amounts, only the names on them change.
  Updates go through Core statements so the audit trail does not copy the old
  values back in; one audit event per family says it was done, by whom.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from backoffice.models import (
    AccountState,
    Activity,
    AuditAction,
    AuditEvent,
    Booking,
    Child,
    ChildContact,
    ConsentAnswer,
    ConsentDefinition,
    CreditNote,
    DiseaseHistory,
    Family,
    FamilyQuotient,
    Guardian,
    Invoice,
    InvoiceLine,
    InvoiceState,
    MedicalRecord,
    OutboxItem,
    OutboxState,
    Payment,
    PaymentAllocation,
    PaymentState,
    Period,
    Person,
    PortalRequest,
    Regie,
    Registration,
    RequestBooking,
    Role,
    SyncConflict,
    Unit,
    Vaccination,
    utcnow,
)
from backoffice.services.common import outbox
from backoffice.services.common.actors import Actor, PermissionDenied, bind
from backoffice.services.families.queries import NotFound, search_text_for

EXPORT_FORMAT = "portail-famille/donnees-personnelles/1"
DEFAULT_INACTIVE_YEARS = 3
ANONYMISED_FAMILY_NAME = "Famille anonymisée"
ANONYMOUS_LAST_NAME = "Anonyme"
CHUNK = 500
HIDDEN_COLUMNS = frozenset({"search_text", "version"})


# Access request ----------------------------------------------------------------


def _value(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def _row(obj) -> dict:
    """Every column of an ORM object, JSON-ready (exact amounts as strings)."""
    return {
        attr.key: _value(getattr(obj, attr.key))
        for attr in obj.__mapper__.column_attrs
        if attr.key not in HIDDEN_COLUMNS
    }


def _require_medical_export(actor: Actor) -> None:
    if not actor.sees_medical_data:
        raise PermissionDenied(
            "L'export des données personnelles contient les fiches sanitaires (données de santé) : "
            f"le rôle de « {actor.login} » ne permet pas de le faire. Demandez-le à un·e "
            "directeur·rice de site ou à un administrateur."
        )


def export_personal_data(
    session: Session, actor: Actor, family_id: int, *, destination: str = ""
) -> dict:
    """Everything held about the family, as a JSON-ready dict; the export is audited."""
    _require_medical_export(actor)
    family = session.get(Family, family_id)
    if family is None:
        raise NotFound(f"Aucune famille n'a l'identifiant {family_id}.")
    children = session.scalars(
        select(Child).where(Child.family_id == family_id).order_by(Child.birth_date, Child.id)
    ).all()
    child_ids = [c.id for c in children]
    consent_labels = dict(
        session.execute(select(ConsentDefinition.id, ConsentDefinition.label)).all()
    )
    persons = session.scalars(
        select(Person).where(Person.family_id == family_id).order_by(Person.id)
    ).all()
    person_names = {p.id: p.full_name for p in persons}
    activities = dict(session.execute(select(Activity.id, Activity.name)).all())
    periods = dict(session.execute(select(Period.id, Period.name)).all())
    units = {
        u.id: (u.name, activities.get(u.activity_id, "")) for u in session.scalars(select(Unit))
    }
    regies = dict(session.execute(select(Regie.id, Regie.name)).all())

    def by_child(model, order) -> dict[int, list]:
        grouped: dict[int, list] = {cid: [] for cid in child_ids}
        if child_ids:
            for obj in session.scalars(
                select(model).where(model.child_id.in_(child_ids)).order_by(*order)
            ):
                grouped[obj.child_id].append(obj)
        return grouped

    records = {
        cid: found[0] for cid, found in by_child(MedicalRecord, [MedicalRecord.id]).items() if found
    }
    vaccinations = by_child(Vaccination, [Vaccination.vaccine])
    diseases = by_child(DiseaseHistory, [DiseaseHistory.disease])
    contacts = by_child(ChildContact, [ChildContact.position, ChildContact.id])
    consents = by_child(ConsentAnswer, [ConsentAnswer.consent_id])
    registrations = by_child(Registration, [Registration.requested_at, Registration.id])
    bookings = by_child(Booking, [Booking.day, Booking.unit_id])

    def child_data(child: Child) -> dict:
        record = records.get(child.id)
        return {
            **_row(child),
            "medical_record": _row(record) if record else None,
            "vaccinations": [_row(v) for v in vaccinations[child.id]],
            "diseases": [_row(d) for d in diseases[child.id]],
            "contacts": [
                {**_row(link), "person": person_names.get(link.person_id, "")}
                for link in contacts[child.id]
            ],
            "consents": [
                {**_row(answer), "consent": consent_labels.get(answer.consent_id, "")}
                for answer in consents[child.id]
            ],
            "registrations": [
                {
                    **_row(r),
                    "activity": activities.get(r.activity_id, ""),
                    "period": periods.get(r.period_id, ""),
                }
                for r in registrations[child.id]
            ],
            "bookings": [
                {
                    **_row(b),
                    "unit": units.get(b.unit_id, ("", ""))[0],
                    "activity": units.get(b.unit_id, ("", ""))[1],
                }
                for b in bookings[child.id]
            ],
        }

    requests = session.scalars(
        select(PortalRequest)
        .where(PortalRequest.family_id == family_id)
        .order_by(PortalRequest.received_at, PortalRequest.id)
    ).all()
    request_bookings: dict[int, list[int]] = {r.id: [] for r in requests}
    if requests:
        for request_id, booking_id in session.execute(
            select(RequestBooking.request_id, RequestBooking.booking_id).where(
                RequestBooking.request_id.in_(list(request_bookings))
            )
        ):
            request_bookings[request_id].append(booking_id)
    invoices = session.scalars(
        select(Invoice)
        .where(Invoice.family_id == family_id)
        .order_by(Invoice.issue_date, Invoice.id)
    ).all()
    invoice_numbers = {i.id: i.number for i in invoices}
    lines: dict[int, list] = {i.id: [] for i in invoices}
    credit_notes: dict[int, list] = {i.id: [] for i in invoices}
    if invoices:
        for line in session.scalars(
            select(InvoiceLine)
            .where(InvoiceLine.invoice_id.in_(list(lines)))
            .order_by(InvoiceLine.invoice_id, InvoiceLine.position)
        ):
            lines[line.invoice_id].append(_row(line))
        for note in session.scalars(
            select(CreditNote).where(CreditNote.invoice_id.in_(list(lines))).order_by(CreditNote.id)
        ):
            credit_notes[note.invoice_id].append(
                {**_row(note), "lines": [_row(x) for x in note.lines]}
            )
    payments = session.scalars(
        select(Payment)
        .where(Payment.family_id == family_id)
        .order_by(Payment.received_on, Payment.id)
    ).all()
    allocations: dict[int, list] = {p.id: [] for p in payments}
    if payments:
        for allocation in session.scalars(
            select(PaymentAllocation).where(PaymentAllocation.payment_id.in_(list(allocations)))
        ):
            number = invoice_numbers.get(allocation.invoice_id) or session.scalar(
                select(Invoice.number).where(Invoice.id == allocation.invoice_id)
            )
            allocations[allocation.payment_id].append({**_row(allocation), "invoice": number})
    audit_events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.family_id == family_id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    data = {
        "format": EXPORT_FORMAT,
        "generated_at": utcnow().isoformat(),
        "generated_by": actor.login,
        "family": _row(family),
        "quotients": [
            _row(q)
            for q in session.scalars(
                select(FamilyQuotient)
                .where(FamilyQuotient.family_id == family_id)
                .order_by(FamilyQuotient.valid_from, FamilyQuotient.id)
            )
        ],
        "guardians": [
            _row(g)
            for g in session.scalars(
                select(Guardian).where(Guardian.family_id == family_id).order_by(Guardian.rank)
            )
        ],
        "persons": [_row(p) for p in persons],
        "children": [child_data(c) for c in children],
        "portal_requests": [
            {**_row(r), "booking_ids": sorted(request_bookings[r.id])} for r in requests
        ],
        "invoices": [
            {
                **_row(i),
                "regie": regies.get(i.regie_id, ""),
                "lines": lines[i.id],
                "credit_notes": credit_notes[i.id],
            }
            for i in invoices
        ],
        "payments": [
            {**_row(p), "regie": regies.get(p.regie_id, ""), "allocations": allocations[p.id]}
            for p in payments
        ],
        "portal_messages": [
            _row(item)
            for item in session.scalars(
                select(OutboxItem).where(OutboxItem.family_id == family_id).order_by(OutboxItem.id)
            )
        ],
        "sync_conflicts": [
            _row(c)
            for c in session.scalars(
                select(SyncConflict)
                .where(SyncConflict.family_id == family_id)
                .order_by(SyncConflict.id)
            )
        ],
        "audit_events": [_row(e) for e in audit_events],
    }
    _record_export(session, actor, family, children, records, destination)
    return data


def _record_export(session, actor, family, children, records, destination) -> None:
    now = utcnow()

    def event(action, entity, entity_id, child_id=None, new_value=None) -> AuditEvent:
        return AuditEvent(
            at=now,
            staff_user_id=actor.staff_id,
            actor=actor.login,
            action=action,
            entity=entity,
            entity_id=entity_id,
            family_id=family.id,
            child_id=child_id,
            field="",
            new_value=new_value,
        )

    where = f" vers {destination}" if destination else ""
    session.add(
        event(
            AuditAction.CREATE,
            "personal_data_export",
            family.id,
            new_value=f"Export des données personnelles (droit d'accès RGPD){where}",
        )
    )
    # The medical records were read: every access to health data is recorded.
    for child in children:
        if child.id in records:
            session.add(event(AuditAction.VIEW_MEDICAL, "medical_record", child.id, child.id))
    session.flush()


# Anonymisation -----------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    family_id: int
    code: str
    reason: str


@dataclass
class AnonymiseReport:
    years: int
    cutoff: date
    dry_run: bool
    families: list[tuple[str, date]] = field(default_factory=list)  # (code, last activity)
    refused: list[Refusal] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "years": self.years,
            "cutoff": self.cutoff.isoformat(),
            "dry_run": self.dry_run,
            "families": [{"code": c, "last_activity": d.isoformat()} for c, d in self.families],
            "refused": [{"code": r.code, "reason": r.reason} for r in self.refused],
            "counts": dict(self.counts),
        }

    def summary(self) -> str:
        c = self.counts
        verb = "seraient anonymisées" if self.dry_run else "anonymisées"
        lines = [
            f"Familles sans activité depuis le {self.cutoff:%d/%m/%Y} ({self.years} an(s)) : "
            f"{len(self.families)} {verb}"
            + (" (vérification seule : rien n'a été modifié)" if self.dry_run else "")
            + "."
        ]
        for code, last in self.families:
            lines.append(f"  {code} (dernière activité le {last:%d/%m/%Y})")
        if self.families:
            lines.append(
                f"  {c.get('guardians', 0)} responsable(s) et {c.get('children', 0)} enfant(s) "
                f"renommés ; supprimés : {c.get('persons', 0)} personne(s) à contacter ou "
                f"autorisée(s), {c.get('consent_answers', 0)} réponse(s) aux autorisations, "
                f"{c.get('medical_records', 0)} fiche(s) sanitaire(s), "
                f"{c.get('vaccinations', 0) + c.get('diseases', 0)} ligne(s) de vaccins et maladies ; "
                f"{c.get('invoices', 0)} facture(s) et {c.get('payments', 0)} règlement(s) gardés "
                f"(montants et numéros) avec le nom remplacé ; {c.get('audit_events', 0)} valeur(s) "
                f"effacées de l'historique ; {c.get('portal_requests', 0)} demande(s) du portail vidées."
            )
        for refusal in self.refused:
            lines.append(f"Refusée : {refusal.code} — {refusal.reason}")
        return "\n".join(lines)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _as_day(value) -> date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value


def last_activity(session: Session) -> dict[int, date]:
    """Per family, the day of its last activity: account opened or activated, a
    registration, a booked day, a portal request, an invoice or a payment."""
    latest: dict[int, date] = {}

    def note(rows: Iterable[tuple[int, object]]) -> None:
        for family_id, value in rows:
            day = _as_day(value)
            if day is not None and (family_id not in latest or day > latest[family_id]):
                latest[family_id] = day

    note(session.execute(select(Family.id, Family.created_at)))
    note(session.execute(select(Family.id, Family.activated_at)))
    note(
        session.execute(
            select(Child.family_id, func.max(Booking.day))
            .join(Booking, Booking.child_id == Child.id)
            .group_by(Child.family_id)
        )
    )
    note(
        session.execute(
            select(Child.family_id, func.max(Registration.requested_at))
            .join(Registration, Registration.child_id == Child.id)
            .group_by(Child.family_id)
        )
    )
    for model, column in (
        (PortalRequest, PortalRequest.received_at),
        (Invoice, Invoice.issue_date),
        (Payment, Payment.received_on),
    ):
        note(session.execute(select(model.family_id, func.max(column)).group_by(model.family_id)))
    return latest


def unpaid_invoices(
    session: Session, family_ids: list[int]
) -> dict[int, list[tuple[str, Decimal]]]:
    """Issued or partly paid invoices still owing money: family → [(number, balance)].

    Balance = total − validated payments allocated − credit notes."""
    if not family_ids:
        return {}
    result: dict[int, list[tuple[str, Decimal]]] = {}
    for ids in _chunks(family_ids):
        invoices = session.scalars(
            select(Invoice).where(
                Invoice.family_id.in_(ids),
                Invoice.state.in_([InvoiceState.ISSUED, InvoiceState.PARTIALLY_PAID]),
            )
        ).all()
        if not invoices:
            continue
        invoice_ids = [i.id for i in invoices]
        paid: dict[int, Decimal] = {}
        for invoice_id, amount in session.execute(
            select(PaymentAllocation.invoice_id, PaymentAllocation.amount)
            .join(Payment, Payment.id == PaymentAllocation.payment_id)
            .where(
                PaymentAllocation.invoice_id.in_(invoice_ids),
                Payment.state == PaymentState.VALIDATED,
            )
        ):
            paid[invoice_id] = paid.get(invoice_id, Decimal(0)) + amount
        for invoice_id, amount in session.execute(
            select(CreditNote.invoice_id, CreditNote.total).where(
                CreditNote.invoice_id.in_(invoice_ids)
            )
        ):
            paid[invoice_id] = paid.get(invoice_id, Decimal(0)) + amount
        for invoice in invoices:
            balance = invoice.total - paid.get(invoice.id, Decimal(0))
            if balance > 0:
                result.setdefault(invoice.family_id, []).append((invoice.number, balance))
    return result


def _euros(amount: Decimal) -> str:
    return f"{amount:,.2f}".replace(",", "\u202f").replace(".", ",") + " €"


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _require_admin(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise PermissionDenied(
            f"L'anonymisation des familles est réservée aux administrateurs (« {actor.login} » "
            "n'en est pas un)."
        )


def anonymise_inactive(
    session: Session,
    actor: Actor,
    years: int = DEFAULT_INACTIVE_YEARS,
    today: date | None = None,
    *,
    dry_run: bool = False,
) -> AnonymiseReport:
    """Anonymise every family whose last activity is more than ``years`` years before
    ``today``, except those that still owe money (listed as refused, left untouched).

    ``dry_run`` does the same work inside a savepoint and rolls it back."""
    _require_admin(actor)
    if years < 1:
        raise PermissionDenied("Le nombre d'années sans activité doit être au moins 1.")
    today = today or date.today()
    cutoff = _years_before(today, years)
    report = AnonymiseReport(years=years, cutoff=cutoff, dry_run=dry_run)
    done = set(session.scalars(select(Family.id).where(Family.name == ANONYMISED_FAMILY_NAME)))
    latest = last_activity(session)
    inactive = sorted(fid for fid, day in latest.items() if day < cutoff and fid not in done)
    codes = dict(session.execute(select(Family.id, Family.code)).all())
    owing = unpaid_invoices(session, inactive)
    eligible = []
    for family_id in inactive:
        if family_id in owing:
            detail = ", ".join(f"{number} (reste dû {_euros(b)})" for number, b in owing[family_id])
            report.refused.append(
                Refusal(
                    family_id,
                    codes[family_id],
                    f"anonymisation refusée : facture(s) impayée(s) {detail}. "
                    "Rien n'a été modifié pour cette famille.",
                )
            )
        else:
            eligible.append(family_id)
    report.families = [(codes[fid], latest[fid]) for fid in eligible]
    bind(session, actor)
    session.flush()
    if dry_run:
        savepoint = session.begin_nested()
        try:
            report.counts = _anonymise(session, actor, eligible, latest, years)
        finally:
            savepoint.rollback()
    else:
        report.counts = _anonymise(session, actor, eligible, latest, years)
    return report


def _anonymise(
    session: Session, actor: Actor, family_ids: list[int], latest: dict[int, date], years: int
) -> dict[str, int]:
    counts = dict.fromkeys(
        (
            "families guardians children persons consent_answers medical_records vaccinations "
            "diseases invoices payments audit_events portal_requests"
        ).split(),
        0,
    )
    for ids in _chunks(family_ids):
        for key, value in _anonymise_chunk(session, actor, ids, latest, years).items():
            counts[key] += value
    return counts


def _anonymise_chunk(
    session: Session, actor: Actor, ids: list[int], latest: dict[int, date], years: int
) -> dict[str, int]:
    now = utcnow()
    counts: dict[str, int] = {"families": len(ids)}
    conn = session.connection()
    families = session.execute(
        select(Family.id, Family.code, Family.commune, Family.account_state).where(
            Family.id.in_(ids)
        )
    ).all()
    children = session.execute(
        select(Child.id, Child.family_id, Child.birth_date, Child.first_name, Child.last_name)
        .where(Child.family_id.in_(ids))
        .order_by(Child.family_id, Child.birth_date, Child.id)
    ).all()
    child_ids = [c.id for c in children]
    # Health data, contacts and consents: deleted.
    if child_ids:
        for key, model in (
            ("consent_answers", ConsentAnswer),
            ("medical_records", MedicalRecord),
            ("vaccinations", Vaccination),
            ("diseases", DiseaseHistory),
        ):
            counts[key] = conn.execute(delete(model).where(model.child_id.in_(child_ids))).rowcount
        conn.execute(delete(ChildContact).where(ChildContact.child_id.in_(child_ids)))
    counts["persons"] = conn.execute(delete(Person).where(Person.family_id.in_(ids))).rowcount
    # Children: neutral names, birth day set to 1 January (the year stays for statistics).
    numbers: dict[int, int] = {}
    child_params, renamed = [], {}
    names_by_family: dict[int, list[SimpleNamespace]] = {}
    for c in children:
        numbers[c.family_id] = numbers.get(c.family_id, 0) + 1
        first = f"Enfant {numbers[c.family_id]}"
        renamed[c.id] = (c.first_name, c.last_name, first)
        names_by_family.setdefault(c.family_id, []).append(
            SimpleNamespace(first_name=first, last_name=ANONYMOUS_LAST_NAME)
        )
        child_params.append({"cid": c.id, "first": first, "born": date(c.birth_date.year, 1, 1)})
    if child_params:
        t = Child.__table__
        conn.execute(
            update(t)
            .where(t.c.id == bindparam("cid"))
            .values(
                first_name=bindparam("first"),
                last_name=ANONYMOUS_LAST_NAME,
                birth_date=bindparam("born"),
                school="",
                school_class="",
                notes="",
                version=t.c.version + 1,
                updated_at=now,
            ),
            child_params,
        )
    counts["children"] = len(child_params)
    # Guardians: "Responsable 1/2", no contact details; relationship and payer stay.
    g = Guardian.__table__
    guardian_params = [
        {"gid": gid, "first": f"Responsable {rank}"}
        for gid, rank in session.execute(
            select(Guardian.id, Guardian.rank).where(Guardian.family_id.in_(ids))
        )
    ]
    if guardian_params:
        conn.execute(
            update(g)
            .where(g.c.id == bindparam("gid"))
            .values(
                civility="",
                last_name=ANONYMOUS_LAST_NAME,
                first_name=bindparam("first"),
                mobile_phone="",
                home_phone="",
                work_phone="",
                email="",
                profession="",
                employer="",
                address_line1="",
                postcode="",
                commune="",
                version=g.c.version + 1,
            ),
            guardian_params,
        )
    counts["guardians"] = len(guardian_params)
    # The family: commune and INSEE code stay (statistics per commune), the rest goes.
    f = Family.__table__
    family_params = [
        {
            "fid": fam.id,
            "search": search_text_for(
                SimpleNamespace(
                    code=fam.code,
                    name=ANONYMISED_FAMILY_NAME,
                    commune=fam.commune,
                    children=names_by_family.get(fam.id, []),
                )
            ),
        }
        for fam in families
    ]
    conn.execute(
        update(f)
        .where(f.c.id == bindparam("fid"))
        .values(
            name=ANONYMISED_FAMILY_NAME,
            account_state=AccountState.DISABLED,
            address_line1="",
            address_line2="",
            phone="",
            login_email="",
            pending_login_email=None,
            billing_email="",
            allowance_number="",
            notes="",
            search_text=bindparam("search"),
            version=f.c.version + 1,
            updated_at=now,
        ),
        family_params,
    )
    # Accounting stays (numbers, amounts, dates); the names on it are replaced.
    codes = {fam.id: fam.code for fam in families}
    inv = Invoice.__table__
    invoice_rows = session.execute(
        select(Invoice.id, Invoice.family_id).where(Invoice.family_id.in_(ids))
    ).all()
    if invoice_rows:
        conn.execute(
            update(inv)
            .where(inv.c.id == bindparam("iid"))
            .values(billing_name=bindparam("name"), billing_address="", billing_email=""),
            [
                {"iid": i.id, "name": f"{ANONYMISED_FAMILY_NAME} {codes[i.family_id]}"}
                for i in invoice_rows
            ],
        )
        line_params = []
        for line in session.execute(
            select(InvoiceLine.id, InvoiceLine.label, InvoiceLine.child_id).where(
                InvoiceLine.invoice_id.in_([i.id for i in invoice_rows])
            )
        ):
            label = line.label
            for first, last, neutral in renamed.values():
                label = label.replace(f"{first} {last}", neutral).replace(first, neutral)
            if label != line.label:
                line_params.append({"lid": line.id, "new_label": label})
        if line_params:
            lt = InvoiceLine.__table__
            conn.execute(
                update(lt).where(lt.c.id == bindparam("lid")).values(label=bindparam("new_label")),
                line_params,
            )
    counts["invoices"] = len(invoice_rows)
    p = Payment.__table__
    counts["payments"] = conn.execute(
        update(p)
        .where(p.c.family_id.in_(ids))
        .values(payer_name=ANONYMISED_FAMILY_NAME, version=p.c.version + 1)
    ).rowcount
    # What the parents wrote on the portal, conflicts, outbox payloads, history values.
    r = PortalRequest.__table__
    counts["portal_requests"] = conn.execute(
        update(r)
        .where(r.c.family_id.in_(ids))
        .values(payload={}, answer_text="", version=r.c.version + 1)
    ).rowcount
    sc = SyncConflict.__table__
    conn.execute(
        update(sc)
        .where(sc.c.family_id.in_(ids))
        .values(agent_value=None, portal_value=None, extra={})
    )
    o = OutboxItem.__table__
    conn.execute(delete(o).where(o.c.family_id.in_(ids), o.c.state == OutboxState.PENDING))
    outbox_params = [
        {"oid": oid, "new_payload": {"family_code": codes[fid]}}
        for oid, fid in session.execute(
            select(OutboxItem.id, OutboxItem.family_id).where(OutboxItem.family_id.in_(ids))
        )
    ]
    if outbox_params:
        conn.execute(
            update(o).where(o.c.id == bindparam("oid")).values(payload=bindparam("new_payload")),
            outbox_params,
        )
    a = AuditEvent.__table__
    counts["audit_events"] = conn.execute(
        update(a)
        .where(a.c.family_id.in_(ids), (a.c.old_value.is_not(None)) | (a.c.new_value.is_not(None)))
        .values(old_value=None, new_value=None)
    ).rowcount
    # One event per family says it was done, and the portal closes the parent account.
    for fam in families:
        session.add(
            AuditEvent(
                at=now,
                staff_user_id=actor.staff_id,
                actor=actor.login,
                action=AuditAction.UPDATE,
                entity="family",
                entity_id=fam.id,
                family_id=fam.id,
                field="anonymisation",
                new_value=(
                    f"Données personnelles anonymisées : dernière activité le "
                    f"{latest[fam.id]:%d/%m/%Y}, plus de {years} an(s) sans activité."
                ),
            )
        )
        if fam.account_state is not AccountState.DISABLED:
            outbox.enqueue(
                session,
                "account.disable",
                {"family_code": fam.code, "reason": "anonymisation (RGPD)"},
                fam.id,
            )
    # The Core statements above changed rows the session may hold: forget them.
    session.flush()
    session.expire_all()
    return counts
