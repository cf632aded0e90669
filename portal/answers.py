"""E-mails answering the parents' requests (guide §6): registrations, booked days,
cancellations — French texts.

Built inside the transaction that records the decision, sent only after its commit
(:func:`portal.mail.send_after_commit`): a decision is never lost to an SMTP outage,
and a request replayed with its idempotency key, or a decision pushed again
unchanged, sends nothing (no change → no e-mail).

Who decides, who is told:

* the **service** (``PUT /staff/registrations/{ref}``, ``PUT /staff/bookings/decisions``):
  always, one e-mail per family and per call, listing the days;
* the **portal itself** (registration accepted at once, days decided at validation):
  only when the parent asked for it (``send_email: true``) — the answer is already on
  the screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal import rules
from portal.mail import Mail
from portal.models import AccountState, Family

CONTACT = "Pour toute question, contactez le service enfance."


def recipient(family: Family | None) -> str | None:
    """The family's login e-mail, or None when nobody can read the answer (no account,
    disabled account)."""
    account = family.account if family is not None else None
    if account is None or account.state is AccountState.DISABLED:
        return None
    return account.login_email


def _answer(answer: str) -> str:
    return f"\nRéponse du service : « {answer} »" if answer else ""


# --- registrations -----------------------------------------------------------------------


def registration_mail(
    to: str,
    *,
    number: str,
    child: str,
    activity: str,
    period: str,
    accepted: bool,
    answer: str = "",
    by_service: bool = True,
) -> Mail:
    what = (
        f"La demande d'inscription n° {number} de {child} à « {activity} » pour la période "
        f"« {period} »"
    )
    if accepted:
        who = "par le service enfance" if by_service else "d'office"
        return Mail(
            to=to,
            subject=f"Portail Famille : inscription de {child} acceptée",
            body=(
                f"Bonjour,\n\n{what} a été acceptée {who}.{_answer(answer)}\n\n"
                "Vous pouvez maintenant réserver les jours dans le planning "
                "(rubrique « Réservations »)."
            ),
        )
    return Mail(
        to=to,
        subject=f"Portail Famille : inscription de {child} refusée",
        body=f"Bonjour,\n\n{what} a été refusée par le service enfance.{_answer(answer)}\n\n"
        + CONTACT,
    )


# --- the service's decisions on days ---------------------------------------------------------


@dataclass(frozen=True)
class DayAnswer:
    """One day whose state the service changed, as the parents will read it."""

    kind: str  # a key of SECTIONS
    child: str
    activity: str
    unit: str
    day: date
    answer: str = ""
    billed: bool | None = None

    def line(self) -> str:
        text = f"  - {rules.day_label(self.day)} : {self.child}, {self.activity} ({self.unit})"
        if self.billed is True:
            text += " — cette journée reste facturée"
        elif self.billed is False:
            text += " — cette journée ne sera pas facturée"
        if self.answer:
            text += f"\n    Réponse du service : « {self.answer} »"
        return text


# Order and titles of the e-mail's sections.
SECTIONS = {
    "accepted": "Réservations acceptées",
    "waiting_list": "Réservations placées en liste d'attente (le service vous répondra si une "
    "place se libère)",
    "refused": "Réservations refusées",
    "cancel_accepted": "Annulations acceptées",
    "cancel_refused": "Annulations refusées (la réservation est maintenue)",
    "cancelled": "Réservations annulées par le service",
}


def day_kind(previous: str, new: str) -> str | None:
    """What the parents are told when a day goes from ``previous`` to ``new`` (None: nothing)."""
    if previous == new:
        return None
    if new == "accepted":
        return "cancel_refused" if previous == "cancel_requested" else "accepted"
    if new == "cancelled":
        return "cancel_accepted" if previous == "cancel_requested" else "cancelled"
    return new  # refused, waiting_list


def decisions_mail(to: str, days: list[DayAnswer]) -> Mail:
    """One e-mail for all the days of a family decided in one call."""
    days = sorted(days, key=lambda d: (d.day, d.child, d.unit))
    blocks = []
    for kind, title in SECTIONS.items():
        lines = [d.line() for d in days if d.kind == kind]
        if lines:
            blocks.append(f"{title} :\n" + "\n".join(lines))
    count = len(days)
    subject = (
        "Portail Famille : réponse du service à votre demande"
        if count == 1
        else f"Portail Famille : réponse du service à vos demandes ({count} jours)"
    )
    return Mail(
        to=to,
        subject=subject,
        body=(
            "Bonjour,\n\nLe service enfance a répondu à vos demandes de réservation ou "
            "d'annulation :\n\n"
            + "\n\n".join(blocks)
            + "\n\nLe détail est dans « Mes réservations » et dans le planning. "
            + CONTACT
        ),
    )


# --- what the portal decided at validation (on request) ------------------------------------------

PORTAL_DECISIONS = {
    "accepted": "réservation acceptée",
    "requested": "demande soumise à validation par le service",
    "waiting_list": "liste d'attente",
    "cancelled": "annulation acceptée",
    "cancel_requested": "demande d'annulation soumise à validation par le service",
    "refused": "refusée",
}


def submission_mail(to: str, summary) -> Mail:
    """The summary of a validation (``portal.bookings.schemas.Submission``), as on the screen."""
    reg = summary.registration
    lines = []
    for line in summary.lines:
        text = (
            f"  - {line.label} ({line.unit_name}) : {PORTAL_DECISIONS[line.decision]}"
            f"\n    {line.reason}"
        )
        lines.append(text)
    pending = any(
        line.decision in ("requested", "waiting_list", "cancel_requested") for line in summary.lines
    )
    body = (
        f"Bonjour,\n\nVotre réservation n° {summary.number} est enregistrée.\n"
        f"Enfant : {reg.child_name}\nActivité : {reg.activity_name}\n"
        f"Période : {reg.period_label}\nÉtat : {summary.state_label}\n\n"
        "Jours :\n" + "\n".join(lines)
    )
    if summary.skipped:
        body += "\n\nJours non pris en compte :\n" + "\n".join(
            f"  - {rules.day_label(s.date)} ({s.unit}) : {s.reason}" for s in summary.skipped
        )
    if pending:
        body += (
            "\n\nLes demandes soumises à validation et la liste d'attente recevront la réponse "
            "du service par courriel."
        )
    return Mail(
        to=to,
        subject=f"Portail Famille : récapitulatif de la réservation n° {summary.number}",
        body=body,
    )
