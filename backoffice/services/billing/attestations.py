"""Attestations for the families: frais de garde (yearly, tax credit) and présence /
paiement (any span, for an employer or the CAF), per family or in batch.

**Attestation de frais de garde** (crédit d'impôt, article 200 quater B du CGI), year Y:

- children **under 6 on 1 January of Y** (born after 1 January Y−6);
- amounts **paid during Y** (validated payments received from 1 January to 31 December
  of Y, whatever the period invoiced), for care outside the home and outside school
  time: multi-accueil, accueil de loisirs (ALSH) and accueil périscolaire; not the
  meals (units whose code starts with ``repas``), nor jeunesse;
- a payment is spread over the invoice it settled pro rata of the invoice's lines: the
  share of a child is payment × (the child's eligible lines) / (invoice total), rounded
  to the cent and never more than those lines;
- not counted: CESU payments (préfinancés, they are not deductible) and invoices
  collected by the Trésor public (the family paid the Trésor, not the régie);
- families with nothing to attest get no attestation.

**Attestation de présence et de paiement**, span [start, end]: per child and activity,
the days marked present (a child present morning and evening counts one day) and, for
the multi-accueil, the hours present (departure − arrival); the total of the family's
validated payments received in the span (every mode but the Trésor public).

Both: régisseur or administrator (:func:`require_billing_role`). In batch: one PDF to
print (:func:`attestations_pdf`) or one e-mail per family with its PDF
(:func:`email_attestations`; families without an e-mail address are listed).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from backoffice.documents.attestation_pdf import (
    ChildcareAttestation,
    ChildcareLine,
    PresenceAttestation,
    PresenceLine,
    render_attestations_bytes,
)
from backoffice.documents.formatting import format_date
from backoffice.documents.invoice_data import issuer_from_settings
from backoffice.models import (
    Activity,
    ActivityKind,
    Attendance,
    Booking,
    Child,
    Family,
    Guardian,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
    PaymentMode,
    PaymentState,
    Unit,
)
from backoffice.services.billing import mail as mailer
from backoffice.services.billing.common import (
    CENT,
    ZERO,
    BillingError,
    get_family,
    require_billing_role,
)
from backoffice.services.billing.lines import billing_identity
from backoffice.services.common.actors import Actor
from backoffice.services.reports.caf import time_minutes
from backoffice.storage import Database

CARE_KINDS = (ActivityKind.MULTI_ACCUEIL, ActivityKind.ALSH, ActivityKind.PERISCOLAIRE)
NOT_PAID_TO_THE_REGIE = (PaymentMode.TRESOR_PUBLIC,)
NOT_DEDUCTIBLE = (PaymentMode.TRESOR_PUBLIC, PaymentMode.CESU)
Attestation = ChildcareAttestation | PresenceAttestation
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class _Identity:
    code: str
    name: str
    address: tuple[str, ...]
    email: str


def _identities(session: Session, family_ids: set[int]) -> dict[int, _Identity]:
    families = {f.id: f for f in session.scalars(select(Family).where(Family.id.in_(family_ids)))}
    guardians: dict[int, list[Guardian]] = defaultdict(list)
    for g in session.scalars(
        select(Guardian).where(Guardian.family_id.in_(family_ids)).order_by(Guardian.rank)
    ):
        guardians[g.family_id].append(g)
    result = {}
    for fid, family in families.items():
        name, address, email = billing_identity(family, guardians[fid])
        lines = tuple(line for line in address.splitlines() if line)
        result[fid] = _Identity(family.code, name, lines, email)
    return result


def _family_filter(session: Session, family_codes: Sequence[str] | None) -> set[int] | None:
    if family_codes is None:
        return None
    return {get_family(session, code).id for code in family_codes}


# -- frais de garde -------------------------------------------------------------------


def childcare_attestations(
    session: Session,
    actor: Actor,
    year: int,
    today: date,
    family_codes: Sequence[str] | None = None,
) -> list[ChildcareAttestation]:
    """The attestations de frais de garde of ``year`` (all families, or those given)."""
    require_billing_role(actor, "établir les attestations de frais de garde", session)
    only = _family_filter(session, family_codes)
    paid_q = (
        select(PaymentAllocation.invoice_id, func.sum(PaymentAllocation.amount))
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(
            Payment.state == PaymentState.VALIDATED,
            Payment.received_on.between(date(year, 1, 1), date(year, 12, 31)),
            Payment.mode.not_in(NOT_DEDUCTIBLE),
        )
        .group_by(PaymentAllocation.invoice_id)
    )
    if only is not None:
        paid_q = paid_q.where(Payment.family_id.in_(only))
    paid = dict(session.execute(paid_q).all())
    if not paid:
        return []
    eligible_q = (
        select(
            InvoiceLine.invoice_id,
            Invoice.total,
            Invoice.family_id,
            InvoiceLine.child_id,
            func.sum(InvoiceLine.amount),
        )  # fmt: skip
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .join(Child, Child.id == InvoiceLine.child_id)
        .join(Unit, Unit.id == InvoiceLine.unit_id)
        .join(Activity, Activity.id == Unit.activity_id)
        .where(
            InvoiceLine.invoice_id.in_(list(paid)),
            Activity.kind.in_(CARE_KINDS),
            ~Unit.code.startswith("repas"),
            Child.birth_date > date(year - 6, 1, 1),
        )
        .group_by(InvoiceLine.invoice_id, Invoice.total, Invoice.family_id, InvoiceLine.child_id)
    )
    per_child: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for invoice_id, total, family_id, child_id, amount in session.execute(eligible_q):
        if total <= 0 or amount <= 0 or child_id is None:
            continue
        share = (paid[invoice_id] * amount / total).quantize(CENT, rounding=ROUND_HALF_UP)
        per_child[family_id][child_id] += min(share, amount)
    children = {
        c.id: c
        for c in session.scalars(
            select(Child).where(Child.id.in_({cid for v in per_child.values() for cid in v}))
        )
    }
    ids = _identities(session, set(per_child))
    issuer = issuer_from_settings(session)
    result = []
    for family_id, amounts in per_child.items():
        lines = tuple(
            ChildcareLine(children[cid].full_name, children[cid].birth_date, amount)
            for cid, amount in sorted(amounts.items(), key=lambda kv: children[kv[0]].birth_date)
            if amount > 0
        )
        if not lines:
            continue
        who = ids[family_id]
        result.append(
            ChildcareAttestation(
                issuer, who.code, who.name, who.address, who.email, year, lines, today,
                f"Le régisseur, {actor.label}",
            )
        )  # fmt: skip
    return sorted(result, key=lambda a: a.family_code)


# -- présence et paiement -----------------------------------------------------------------


def presence_attestations(
    session: Session,
    actor: Actor,
    start: date,
    end: date,
    today: date,
    family_codes: Sequence[str] | None = None,
) -> list[PresenceAttestation]:
    """The attestations de présence et de paiement over [start, end]."""
    require_billing_role(actor, "établir les attestations de présence", session)
    if end < start:
        raise BillingError("Période invalide : la fin précède le début.")
    only = _family_filter(session, family_codes)
    attended = time_minutes(session, Booking.departure_time) - time_minutes(
        session, Booking.arrival_time
    )
    with_times = and_(Booking.arrival_time.is_not(None), Booking.departure_time.is_not(None))
    per_day = (
        select(
            Child.family_id.label("family_id"),
            Booking.child_id.label("child_id"),
            Activity.id.label("activity_id"),
            Booking.day,
            func.sum(case((with_times, attended), else_=0)).label("minutes"),
        )
        .join(Child, Child.id == Booking.child_id)
        .join(Unit, Unit.id == Booking.unit_id)
        .join(Activity, Activity.id == Unit.activity_id)
        .where(Booking.day.between(start, end), Booking.attendance == Attendance.PRESENT)
        .group_by(Child.family_id, Booking.child_id, Activity.id, Booking.day)
    )
    if only is not None:
        per_day = per_day.where(Child.family_id.in_(only))
    sub = per_day.subquery()
    totals = select(
        sub.c.family_id, sub.c.child_id, sub.c.activity_id, func.count(), func.sum(sub.c.minutes)
    ).group_by(sub.c.family_id, sub.c.child_id, sub.c.activity_id)
    rows = session.execute(totals).all()
    paid_q = (
        select(Payment.family_id, func.sum(Payment.amount))
        .where(
            Payment.state == PaymentState.VALIDATED,
            Payment.received_on.between(start, end),
            Payment.mode.not_in(NOT_PAID_TO_THE_REGIE),
        )
        .group_by(Payment.family_id)
    )
    if only is not None:
        paid_q = paid_q.where(Payment.family_id.in_(only))
    paid = dict(session.execute(paid_q).all())
    activities = {
        a.id: a
        for a in session.scalars(select(Activity).where(Activity.id.in_({r[2] for r in rows})))
    }
    children = {
        c.id: c for c in session.scalars(select(Child).where(Child.id.in_({r[1] for r in rows})))
    }
    lines: dict[int, list[PresenceLine]] = defaultdict(list)
    for family_id, child_id, activity_id, days, minutes in rows:
        activity = activities[activity_id]
        hours = None
        if activity.kind is ActivityKind.MULTI_ACCUEIL:
            hours = (Decimal(int(minutes or 0)) / 60).quantize(CENT)
        lines[family_id].append(
            PresenceLine(children[child_id].full_name, activity.name, int(days), hours)
        )
    families = set(lines) | {fid for fid, amount in paid.items() if amount > 0}
    ids = _identities(session, families)
    issuer = issuer_from_settings(session)
    result = [
        PresenceAttestation(
            issuer,
            ids[fid].code,
            ids[fid].name,
            ids[fid].address,
            ids[fid].email,
            start,
            end,
            tuple(sorted(lines[fid], key=lambda line: (line.child_name, line.activity))),
            paid.get(fid, ZERO),
            today,
            f"Le régisseur, {actor.label}",
        )  # fmt: skip
        for fid in families
    ]
    return sorted(result, key=lambda a: a.family_code)


# -- batch: print or e-mail ---------------------------------------------------------------


def attestations_pdf(actor: Actor, attestations: Sequence[Attestation]) -> bytes:
    """One PDF of the attestations, each from a new page (the pile to print)."""
    require_billing_role(actor, "imprimer des attestations")
    if not attestations:
        raise BillingError("Aucune attestation à établir pour ce choix.")
    return render_attestations_bytes(attestations)


@dataclass
class AttestationMailReport:
    sent: list[str] = field(default_factory=list)  # family codes
    without_email: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{len(self.sent)} attestation(s) envoyée(s) par courriel"
        if self.without_email:
            text += f", {len(self.without_email)} famille(s) sans adresse (à imprimer)"
        if self.failed:
            text += f", {len(self.failed)} échec(s)"
        return text + "."


def _subject(a: Attestation) -> str:
    if isinstance(a, ChildcareAttestation):
        return f"Attestation de frais de garde {a.year}"
    return f"Attestation de présence du {format_date(a.start)} au {format_date(a.end)}"


def compose_attestation_email(
    a: Attestation, pdf: bytes, settings: mailer.SmtpSettings
) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"{_subject(a)} — {a.issuer.name}"
    msg["From"] = settings.sender
    msg["To"] = formataddr((a.recipient_name, a.billing_email))
    if settings.reply_to:
        msg["Reply-To"] = settings.reply_to
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=parseaddr(settings.sender)[1].split("@")[-1] or None)
    msg.set_content(
        "\n".join(
            [
                "Bonjour,",
                "",
                f"Veuillez trouver ci-joint votre {_subject(a).lower()}.",
                "",
                "Cordialement,",
                a.issuer.name,
            ]  # fmt: skip
        )
    )
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=a.file_name)
    return msg


def email_attestations(
    db: Database,
    actor: Actor,
    attestations: Sequence[Attestation],
    *,
    progress: Progress | None = None,
    password: str | None = None,
) -> AttestationMailReport:
    """E-mail each attestation to its family's billing address, its own PDF attached."""
    require_billing_role(actor, "envoyer des attestations", db)
    report = AttestationMailReport()
    todo: list[Attestation] = []
    for a in attestations:
        if a.billing_email.strip():
            todo.append(a)
        else:
            report.without_email.append(a.family_code)
    if progress:
        progress(0, len(todo))
    if not todo:
        return report
    with db.session() as session:
        settings = mailer.smtp_settings(session)
    with mailer.SmtpConnection(settings, password) as smtp:
        for done, a in enumerate(todo, 1):
            try:
                smtp.send(compose_attestation_email(a, render_attestations_bytes([a]), settings))
            except mailer.MailError as exc:
                report.failed.append((a.family_code, str(exc)))
            else:
                report.sent.append(a.family_code)
            if progress:
                progress(done, len(todo))
    return report
