"""Reminders (relances) of unpaid invoices, level 1 then level 2.

Rules:

- An invoice can be reminded while it is open (émise or partiellement réglée) and still
  owes money. **Level 1** once its due date is ``reminders.level1_delay_days`` days
  behind (default 15); **level 2** only after a level 1, ``reminders.level2_delay_days``
  days after it (default 15). Invoices handed to the Trésor public are not reminded
  here: the comptable public does it.
- Each level has its subject and wording (``reminders.level1_subject``,
  ``reminders.level1_text``, ``reminders.level2_subject``, ``reminders.level2_text``),
  defaults in :data:`DEFAULTS`, placeholders ``{numero}``, ``{date_facture}``,
  ``{echeance}``, ``{montant}``, ``{reste}``, ``{regie}``, ``{date_relance1}``.
- **By e-mail** (the invoice's billing address, through :mod:`.mail`), the letter
  attached as PDF; **by letter** for the paper-only families and those without an
  e-mail address: one PDF for the whole batch, to print and post.
- **Never twice**: a row of ``reminder`` (invoice, level — unique) is written and
  committed *before* the e-mail leaves, and removed again if the sending fails; a
  second run, or another desk at the same time, finds it and skips the invoice.

Work for a worker thread: :func:`send_reminders` takes the :class:`Database`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path

from sqlalchemy import and_, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from backoffice.documents.formatting import format_date, format_euros
from backoffice.documents.invoice_data import issuer_from_settings
from backoffice.documents.reminder_letter_pdf import (
    ReminderLetterData,
    render_reminder_letters_bytes,
)
from backoffice.errors import UserError
from backoffice.models import (
    REMINDER_CHANNEL_LABELS,
    Family,
    Invoice,
    InvoiceState,
    Regie,
    Reminder,
    ReminderChannel,
    StaffUser,
)
from backoffice.services.billing import mail as mailer
from backoffice.services.billing.common import BillingError, get_regie, require_billing_role
from backoffice.services.billing.ledger import figures
from backoffice.services.common.actors import Actor
from backoffice.services.common.files import FileWriteError, ensure_folder, write_atomically
from backoffice.services.common.settings_store import get_settings, put_setting
from backoffice.services.families.accounts import is_paper_only
from backoffice.storage import Database

Progress = Callable[[int, int], None]
LEVELS = (1, 2)
OPEN = (InvoiceState.ISSUED, InvoiceState.PARTIALLY_PAID)

LEVEL1_DELAY = "reminders.level1_delay_days"
LEVEL2_DELAY = "reminders.level2_delay_days"
DEFAULTS = {
    LEVEL1_DELAY: "15",
    LEVEL2_DELAY: "15",
    "reminders.level1_subject": "Relance — facture {numero} non réglée",
    "reminders.level1_text": (
        "Sauf erreur de notre part, la facture {numero} du {date_facture} ({regie}), "
        "d'un montant de {montant}, arrivée à échéance le {echeance}, n'est pas entièrement "
        "réglée : il reste {reste} à payer.\n"
        "Nous vous remercions de bien vouloir la régler dans les meilleurs délais, au guichet "
        "ou sur le Portail Famille. Si vous l'avez réglée entre-temps, ne tenez pas compte de "
        "ce courrier."
    ),
    "reminders.level2_subject": "Deuxième relance — facture {numero} non réglée",
    "reminders.level2_text": (
        "Malgré notre relance du {date_relance1}, la facture {numero} du {date_facture} "
        "({regie}) n'est toujours pas réglée : il reste {reste} à payer depuis le {echeance}.\n"
        "Sans règlement sous quinze jours, elle sera transmise au Trésor public pour "
        "recouvrement. En cas de difficulté de paiement, contactez le service "
        "enfance-jeunesse : des solutions existent."
    ),
}
KEYS = tuple(DEFAULTS)


# -- settings ------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelWording:
    delay_days: int
    subject: str
    text: str


def reminder_settings(session: Session) -> dict[int, LevelWording]:
    """Per level: the delay (days after the due date, or after level 1) and the wording."""
    stored = get_settings(session, KEYS)
    value = {k: stored.get(k) or v for k, v in DEFAULTS.items()}
    result = {}
    for level in LEVELS:
        delay = value[f"reminders.level{level}_delay_days"]
        result[level] = LevelWording(
            int(delay)
            if delay.strip().isdigit()
            else int(DEFAULTS[f"reminders.level{level}_delay_days"]),
            value[f"reminders.level{level}_subject"],
            value[f"reminders.level{level}_text"],
        )
    return result


def save_reminder_settings(
    session: Session, actor: Actor, level: int, *, delay_days: int, subject: str, text: str
) -> None:
    """Store a level's delay and wording (checked: placeholders known, text not empty)."""
    require_billing_role(actor, "modifier les relances", session)
    _check_level(level)
    if not 0 <= delay_days <= 365:
        raise BillingError("Le délai d'une relance doit être compris entre 0 et 365 jours.")
    if not subject.strip() or not text.strip():
        raise BillingError("L'objet et le texte de la relance ne peuvent pas être vides.")
    for part in (subject, text):
        try:
            part.format_map(_Fields(_sample_fields()))
        except (KeyError, ValueError, IndexError) as exc:
            raise BillingError(
                f"Texte de relance invalide ({exc}) : champs possibles "
                + ", ".join("{" + k + "}" for k in _sample_fields())
                + "."
            ) from exc
    put_setting(session, f"reminders.level{level}_delay_days", str(delay_days))
    put_setting(session, f"reminders.level{level}_subject", subject.strip())
    put_setting(session, f"reminders.level{level}_text", text.strip())


def _check_level(level: int) -> None:
    if level not in LEVELS:
        raise BillingError(f"Niveau de relance inconnu : {level} (1 ou 2).")


class _Fields(dict):
    def __missing__(self, key: str) -> str:
        raise KeyError(f"champ inconnu « {key} »")


def _sample_fields() -> dict[str, str]:
    return dict.fromkeys(
        ("numero", "date_facture", "echeance", "montant", "reste", "regie", "date_relance1"), ""
    )


# -- who is to be reminded -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReminderCandidate:
    invoice_id: int
    number: str
    regie: str
    regie_name: str
    family_code: str
    billing_name: str
    billing_address: str
    billing_email: str
    paper_only: bool
    issue_date: date
    due_date: date
    total: Decimal
    balance: Decimal
    days_overdue: int
    level: int
    level1_on: date | None

    @property
    def channel(self) -> ReminderChannel:
        if self.paper_only or not self.billing_email.strip():
            return ReminderChannel.LETTER
        return ReminderChannel.EMAIL

    @property
    def channel_label(self) -> str:
        return REMINDER_CHANNEL_LABELS[self.channel]


def reminder_candidates(
    session: Session, actor: Actor, regie_code: str, level: int, as_of: date
) -> list[ReminderCandidate]:
    """The invoices of the régie due for a reminder of ``level`` on ``as_of``, oldest due
    date first (the preview: nothing is written)."""
    require_billing_role(actor, "préparer les relances", session)
    _check_level(level)
    regie = get_regie(session, regie_code)
    wording = reminder_settings(session)
    first = aliased(Reminder)
    this = aliased(Reminder)
    stmt = (
        select(Invoice, Family, first.sent_on)
        .join(Family, Family.id == Invoice.family_id)
        .outerjoin(first, and_(first.invoice_id == Invoice.id, first.level == 1))
        .outerjoin(this, and_(this.invoice_id == Invoice.id, this.level == level))
        .where(Invoice.regie_id == regie.id, Invoice.state.in_(OPEN), this.id.is_(None))
        .order_by(Invoice.due_date, Invoice.seq)
    )
    if level == 1:
        stmt = stmt.where(Invoice.due_date <= as_of - timedelta(days=wording[1].delay_days))
    else:
        stmt = stmt.where(
            first.id.is_not(None),
            first.sent_on <= as_of - timedelta(days=wording[2].delay_days),
        )
    rows = session.execute(stmt).all()
    figs = figures(session, [inv.id for inv, _f, _d in rows])
    result = []
    for inv, family, level1_on in rows:
        balance = figs[inv.id].balance
        if balance <= 0:
            continue
        result.append(
            ReminderCandidate(
                inv.id, inv.number, regie.code, regie.name, family.code, inv.billing_name,
                inv.billing_address, inv.billing_email, is_paper_only(family), inv.issue_date,
                inv.due_date, inv.total, balance, max(0, (as_of - inv.due_date).days), level,
                level1_on,
            )
        )  # fmt: skip
    return result


# -- wording ---------------------------------------------------------------------------


def _fields(c: ReminderCandidate) -> _Fields:
    return _Fields(
        numero=c.number,
        date_facture=format_date(c.issue_date),
        echeance=format_date(c.due_date),
        montant=format_euros(c.total),
        reste=format_euros(c.balance),
        regie=c.regie_name,
        date_relance1=format_date(c.level1_on),
    )


def letter_data(
    session: Session, candidate: ReminderCandidate, day: date, actor: Actor
) -> ReminderLetterData:
    require_billing_role(actor, "préparer une lettre de relance", session)
    wording = reminder_settings(session)[candidate.level]
    fields = _fields(candidate)
    return ReminderLetterData(
        issuer=issuer_from_settings(session),
        family_code=candidate.family_code,
        recipient_name=candidate.billing_name,
        recipient_address_lines=tuple(
            line.strip() for line in candidate.billing_address.splitlines() if line.strip()
        ),
        day=day,
        level=candidate.level,
        subject=wording.subject.format_map(fields),
        text=wording.text.format_map(fields),
        regie_name=candidate.regie_name,
        invoice_number=candidate.number,
        issue_date=candidate.issue_date,
        due_date=candidate.due_date,
        total=candidate.total,
        balance=candidate.balance,
        signature=f"Le régisseur, {actor.label}",
    )


def compose_reminder_email(
    data: ReminderLetterData, pdf: bytes, settings: mailer.SmtpSettings, to: str
) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = data.subject
    msg["From"] = settings.sender
    msg["To"] = formataddr((data.recipient_name, to))
    if settings.reply_to:
        msg["Reply-To"] = settings.reply_to
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=parseaddr(settings.sender)[1].split("@")[-1] or None)
    body = ["Bonjour,", "", *data.text.split("\n"), "", "Cordialement,", data.issuer.name]
    contact = " · ".join(p for p in (data.issuer.phone, data.issuer.email) if p)
    if contact:
        body.append(contact)
    msg.set_content("\n".join(body))
    msg.add_attachment(
        pdf, maintype="application", subtype="pdf", filename=f"relance-{data.invoice_number}.pdf"
    )
    return msg


# -- sending ---------------------------------------------------------------------------


@dataclass
class ReminderReport:
    emailed: list[str] = field(default_factory=list)
    letters: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    letters_pdf: Path | None = None

    def summary(self) -> str:
        parts = [f"{len(self.emailed)} relance(s) envoyée(s) par courriel"]
        if self.letters:
            parts.append(f"{len(self.letters)} courrier(s) à imprimer")
        if self.already:
            parts.append(f"{len(self.already)} déjà relancée(s)")
        if self.failed:
            parts.append(f"{len(self.failed)} échec(s)")
        return ", ".join(parts) + "."


def _claim(db: Database, c: ReminderCandidate, day: date, actor: Actor, recipient: str) -> bool:
    """Write the reminder row now (committed): False if this level was already sent."""
    try:
        with db.session() as session:
            session.add(
                Reminder(
                    invoice_id=c.invoice_id, level=c.level, sent_on=day, channel=c.channel,
                    recipient=recipient, balance=c.balance, sent_by_id=actor.staff_id,
                )
            )  # fmt: skip
    except IntegrityError:
        return False
    return True


def _release(db: Database, invoice_ids: list[int], level: int) -> None:
    if not invoice_ids:
        return
    with db.session() as session:
        session.execute(
            delete(Reminder).where(Reminder.invoice_id.in_(invoice_ids), Reminder.level == level)
        )


def send_reminders(
    db: Database,
    actor: Actor,
    regie_code: str,
    level: int,
    as_of: date,
    *,
    letters_out: Path,
    invoice_numbers: list[str] | None = None,
    progress: Progress | None = None,
    password: str | None = None,
) -> ReminderReport:
    """Remind the invoices due for ``level`` (only ``invoice_numbers`` if given): e-mails
    sent now, letters written as one PDF at ``letters_out``. Each invoice and level once.

    Raises :class:`mailer.MailError` if e-mails are to go and SMTP is not configured or
    unreachable (then nothing is recorded for them)."""
    with db.session() as session:
        todo = reminder_candidates(session, actor, regie_code, level, as_of)
        if invoice_numbers is not None:
            wanted = set(invoice_numbers)
            todo = [c for c in todo if c.number in wanted]
        datas = {c.invoice_id: letter_data(session, c, as_of, actor) for c in todo}
        by_mail = [c for c in todo if c.channel is ReminderChannel.EMAIL]
        settings = mailer.smtp_settings(session) if by_mail else None
    report = ReminderReport()
    total, done = len(todo), 0
    if progress:
        progress(0, total)
    if by_mail and settings is not None:
        with mailer.SmtpConnection(settings, password) as smtp:
            for c in by_mail:
                done += 1
                if not _claim(db, c, as_of, actor, c.billing_email):
                    report.already.append(c.number)
                    continue
                data = datas[c.invoice_id]
                try:
                    pdf = render_reminder_letters_bytes([data])
                    smtp.send(compose_reminder_email(data, pdf, settings, c.billing_email))
                except mailer.MailError as exc:
                    _release(db, [c.invoice_id], level)
                    report.failed.append((c.number, str(exc)))
                else:
                    report.emailed.append(c.number)
                if progress:
                    progress(done, total)
    letters: list[ReminderCandidate] = []
    for c in todo:
        if c.channel is ReminderChannel.LETTER:
            done += 1
            if _claim(db, c, as_of, actor, ""):
                letters.append(c)
            else:
                report.already.append(c.number)
    if letters:
        try:
            pdf = render_reminder_letters_bytes([datas[c.invoice_id] for c in letters])
            ensure_folder(Path(letters_out).parent)
            write_atomically(Path(letters_out), pdf)
        except FileWriteError as exc:
            _release(db, [c.invoice_id for c in letters], level)
            raise UserError(
                f"Impossible d'écrire le fichier {letters_out} ({exc.reason}) : aucune relance "
                "par courrier n'est enregistrée."
            ) from exc
        report.letters = [c.number for c in letters]
        report.letters_pdf = Path(letters_out)
    if progress:
        progress(total, total)
    return report


# -- who was reminded when --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReminderRow:
    number: str
    regie: str
    family_code: str
    billing_name: str
    level: int
    sent_on: date
    channel: ReminderChannel
    recipient: str
    balance: Decimal
    sent_by: str

    @property
    def channel_label(self) -> str:
        return REMINDER_CHANNEL_LABELS[self.channel]


def reminder_history(
    session: Session,
    actor: Actor,
    *,
    regie_code: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list[ReminderRow]:
    """The reminders sent, newest first."""
    require_billing_role(actor, "consulter les relances", session)
    stmt = (
        select(
            Reminder,
            Invoice.number,
            Regie.code,
            Family.code,
            Invoice.billing_name,
            StaffUser.full_name,
            StaffUser.login,
        )  # fmt: skip
        .join(Invoice, Invoice.id == Reminder.invoice_id)
        .join(Regie, Regie.id == Invoice.regie_id)
        .join(Family, Family.id == Invoice.family_id)
        .outerjoin(StaffUser, StaffUser.id == Reminder.sent_by_id)
        .order_by(Reminder.sent_on.desc(), Reminder.id.desc())
    )
    if regie_code:
        stmt = stmt.where(Invoice.regie_id == get_regie(session, regie_code).id)
    if start:
        stmt = stmt.where(Reminder.sent_on >= start)
    if end:
        stmt = stmt.where(Reminder.sent_on <= end)
    return [
        ReminderRow(
            number,
            regie,
            family,
            name,
            r.level,
            r.sent_on,
            r.channel,
            r.recipient,
            r.balance,
            full_name or login or "",
        )  # fmt: skip
        for r, number, regie, family, name, full_name, login in session.execute(stmt)
    ]
