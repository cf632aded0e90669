"""Data protection (RGPD), anonymising inactive families.

:func:`anonymise_inactive` replaces the personal data of families with no activity for
N years by neutral values. Accounting stays: invoices and payments keep their numbers
and amounts, only the names on them change. Updates go through Core statements so the
audit trail does not copy the old values back in; one audit event per family says it
was done, by whom.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.orm import Session

from backoffice.models import (
    AccountState,
    AuditAction,
    AuditEvent,
    Base,
    Child,
    ChildContact,
    ConsentAnswer,
    DiseaseHistory,
    Family,
    Guardian,
    Invoice,
    InvoiceLine,
    MedicalRecord,
    OutboxItem,
    OutboxState,
    Payment,
    Person,
    PortalRequest,
    SyncConflict,
    Vaccination,
    utcnow,
)
from backoffice.services.common import outbox
from backoffice.services.common.actors import Actor, PermissionDenied, bind
from backoffice.services.common.permissions import Permission, has, record_refusal
from backoffice.services.families.inactivity import chunks, last_activity, unpaid_invoices
from backoffice.services.families.queries import search_text_for

DEFAULT_INACTIVE_YEARS = 3
ANONYMISED_FAMILY_NAME = "Famille anonymisée"
ANONYMOUS_LAST_NAME = "Anonyme"


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


def _euros(amount: Decimal) -> str:
    return f"{amount:,.2f}".replace(",", "\u202f").replace(".", ",") + " €"


def _table(model: type[Base]) -> Table:
    """The model's Core table (mypy only knows ``__table__`` as some FROM clause)."""
    table = model.__table__
    assert isinstance(table, Table)  # a declarative model maps one table
    return table


def _require_admin(actor: Actor, session=None) -> None:
    if not has(actor, Permission.ANONYMISE):
        record_refusal(session, actor, Permission.ANONYMISE, "anonymiser des familles")
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
    for ids in chunks(family_ids):
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
        t = _table(Child)
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
    g = _table(Guardian)
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
    f = _table(Family)
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
    inv = _table(Invoice)
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
            lt = _table(InvoiceLine)
            conn.execute(
                update(lt).where(lt.c.id == bindparam("lid")).values(label=bindparam("new_label")),
                line_params,
            )
    counts["invoices"] = len(invoice_rows)
    p = _table(Payment)
    counts["payments"] = conn.execute(
        update(p)
        .where(p.c.family_id.in_(ids))
        .values(payer_name=ANONYMISED_FAMILY_NAME, version=p.c.version + 1)
    ).rowcount
    # What the parents wrote on the portal, conflicts, outbox payloads, history values.
    r = _table(PortalRequest)
    counts["portal_requests"] = conn.execute(
        update(r)
        .where(r.c.family_id.in_(ids))
        .values(payload={}, answer_text="", version=r.c.version + 1)
    ).rowcount
    sc = _table(SyncConflict)
    conn.execute(
        update(sc)
        .where(sc.c.family_id.in_(ids))
        .values(agent_value=None, portal_value=None, extra={})
    )
    o = _table(OutboxItem)
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
    a = _table(AuditEvent)
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
