"""Signed-in pages of §6: « Inscriptions » (registrations and their states, a new
registration refused while the child's file is incomplete) and « Réservations » (the
weekly planning grid, bulk selection, review, validation, summaries).

Every action goes through the same portal functions as the JSON routes
(``portal.bookings.registrations``, ``planning``, ``drafts``, ``submissions``): the
deadlines, capacities and cancellation rules live there only. The grid is a plain form:
the ticked boxes are compared with the planning as it stands and the difference becomes
one draft request (book / unbook), exactly what ``POST /me/registrations/{ref}/draft`` takes.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from portal import answers, families
from portal import catalogue as catalogue_mod
from portal.bookings import drafts, planning, registrations, submissions
from portal.bookings.schemas import DraftRequest, Planning, RegistrationRequest
from portal.deps import Services, ServicesDep
from portal.errors import PortalError
from portal.mail import Mail, send_after_commit
from portal.models import Family, RegistrationState
from portal.pages.children import block_of_missing
from portal.pages.forms import errors_of, parse
from portal.pages.web import FormDep, ParentPage, flash, redirect, render, templates, text
from portal.routes.common import write_or_conflict
from portal.rules import PARIS, today_in_paris

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
# A moment stored in UTC, shown as its date in Paris (jj/mm/aaaa).
templates.env.filters["date_paris"] = lambda moment: moment.astimezone(PARIS).strftime("%d/%m/%Y")

# Legend of the planning (guide §6.1): icon (decorative) and text, never colour alone.
LEGEND = [
    ("booked", "✓", "Réservation acceptée"),
    ("requested", "?", "Demande de réservation en attente de validation"),
    ("waiting_list", "…", "Liste d'attente"),
    ("refused", "✗", "Réservation refusée"),
    ("cancel_requested", "↺", "Demande d'annulation en attente de validation"),
    ("closed", "—", "Fermé (pas d'accueil ou délai dépassé)"),
    ("full", "!", "Complet"),
    ("open", "○", "Ouvert à la réservation"),
]
ICONS = {state: icon for state, icon, _ in LEGEND}
OUTCOME_WORDS = {
    "accepted": "sera acceptée",
    "requested": "deviendra une demande à valider par le service",
    "waiting_list": "ira en liste d'attente",
    "refused": "sera refusée",
    "cancelled": "sera annulée",
    "cancel_requested": "deviendra une demande d'annulation à valider par le service",
}
WEEKDAYS = [
    (1, "Lundi"),
    (2, "Mardi"),
    (3, "Mercredi"),
    (4, "Jeudi"),
    (5, "Vendredi"),
    (6, "Samedi"),
    (7, "Dimanche"),
]


def _offers(svc: Services, session) -> list[dict[str, Any]]:
    """Activity × period open for registration today (value ``ACTIVITE|PERIODE``)."""
    cat = catalogue_mod.load(session)
    out = []
    for a in catalogue_mod.for_parents(cat, today_in_paris(svc.now())):
        for p in a.periods:
            if p.open_for_booking:
                out.append({"value": f"{a.code}|{p.code}", "label": f"{a.name} — {p.label}"})
    return out


def _registrations_page(
    request: Request, svc: Services, parent, status_code: int = 200, **extra: Any
):
    with svc.db.read() as session:
        family = session.get_one(Family, parent.family_id)
        context = {
            "registrations": registrations.registrations_of(session, parent.family_id),
            "children": families.children_summary(family),
            "offers": _offers(svc, session),
        }
    context.update(extra)
    return render(request, "reservations/registrations.html", context, status_code)


@router.get("/inscriptions")
def registrations_page(request: Request, parent: ParentPage, svc: ServicesDep):
    return _registrations_page(request, svc, parent)


@router.post("/inscriptions")
def register(request: Request, parent: ParentPage, form: FormDep, svc: ServicesDep):
    child_ref = text(form, "child_ref", 40)
    activity, _, period = text(form, "offer", 90).partition("|")
    values = {"child_ref": child_ref, "offer": text(form, "offer", 90)}
    try:
        body = parse(
            RegistrationRequest,
            {"child_ref": child_ref or "-", "activity": activity or "-", "period": period or "-"},
        )
        if not child_ref or not activity:
            raise PortalError(422, "Choisissez l'enfant et l'activité.")

        def action(session):
            family = session.get_one(Family, parent.family_id)
            return registrations.request_registration(session, family, body, svc.now())[1]

        out = write_or_conflict(svc, action)
    except PortalError as exc:
        missing = [e.message for e in exc.errors if e.field == "child_ref"]
        refusal: dict[str, Any] | None = None
        if exc.status_code == 422 and missing and "incomplet" in exc.detail:
            refusal = {
                "message": exc.detail.split(" Informations obligatoires")[0],
                "items": [(m, f"/enfants/{child_ref}/{block_of_missing(m)}") for m in missing],
                "child_ref": child_ref,
            }
        errors = {"child_ref": exc.detail} if refusal or missing else errors_of(exc)
        if refusal:
            errors = {"": refusal["message"]}
        return _registrations_page(
            request,
            svc,
            parent,
            exc.status_code,
            errors=errors,
            values=values,
            refusal=refusal,
        )
    if out.state == RegistrationState.ACCEPTED.value:
        flash(request, f"Inscription n° {out.ref} acceptée : vous pouvez réserver les jours.")
    else:
        flash(request, f"Inscription n° {out.ref} : {out.state_label.lower()}. {out.reason}")
    return redirect(request, "/inscriptions")


@router.get("/reservations")
def bookings_page(request: Request, parent: ParentPage, svc: ServicesDep):
    with svc.db.read() as session:
        regs = registrations.registrations_of(session, parent.family_id)
        subs = submissions.submissions_of(session, parent.family_id)
    return render(request, "reservations/list.html", {"registrations": regs, "submissions": subs})


def _registration(session, parent, ref: str):
    try:
        return registrations.registration_of_family(session, parent.family_id, ref)
    except PortalError as exc:
        raise HTTPException(404) from exc


def _planning(svc: Services, parent, ref: str, week: str | None) -> Planning:
    with svc.db.read() as session:
        reg = _registration(session, parent, ref)
        return planning.planning(session, reg, week, svc.now())


def ticked(cell) -> bool:
    """The box is ticked when the day is booked (or ticked in the draft) and not
    unticked in the draft: exactly when the next action offered is « unbook »."""
    return "unbook" in cell.actions


def _planning_page(
    request: Request, svc: Services, parent, ref: str, week: str | None, status_code=200, **extra
):
    try:
        plan = _planning(svc, parent, ref, week)
    except PortalError as exc:
        if exc.status_code != 422 or week is None:
            raise
        plan = _planning(svc, parent, ref, None)
        extra.setdefault("errors", errors_of(exc))
        status_code = exc.status_code
    context = {
        "plan": plan,
        "reg": plan.registration,
        "legend": LEGEND,
        "icons": ICONS,
        "outcome_words": OUTCOME_WORDS,
        "weekdays": WEEKDAYS,
        "ticked": ticked,
    }
    context.update(extra)
    return render(request, "reservations/planning.html", context, status_code)


@router.get("/reservations/{ref}/planning")
def planning_page(
    request: Request, ref: str, parent: ParentPage, svc: ServicesDep, semaine: str | None = None
):
    return _planning_page(request, svc, parent, ref, semaine or None)


def _edit(svc: Services, parent, ref: str, changes: list[dict[str, Any]]):
    body = parse(DraftRequest, {"changes": changes})

    def action(session):
        reg = _registration(session, parent, ref)
        return drafts.edit_draft(session, reg, body, svc.now())

    return write_or_conflict(svc, action)


def _grid_changes(plan: Planning, form: FormData) -> list[dict[str, Any]]:
    """The boxes changed on the grid, as draft changes (one per unit and action)."""
    wanted = set(form.getlist("case"))
    by: dict[tuple[str, str], list[str]] = defaultdict(list)
    for day in plan.days:
        for cell in day.cells:
            if not cell.actions:
                continue
            key = f"{cell.unit}|{day.date.isoformat()}"
            if key in wanted and not ticked(cell):
                by[("book", cell.unit)].append(day.date.isoformat())
            elif key not in wanted and ticked(cell):
                by[("unbook", cell.unit)].append(day.date.isoformat())
    return [
        {"action": action, "unit": unit, "scope": "days", "dates": dates}
        for (action, unit), dates in by.items()
    ]


def _draft_flash(request: Request, draft) -> None:
    message = draft.summary
    if draft.skipped:
        message += f" {len(draft.skipped)} jour(s) laissé(s) de côté : " + "; ".join(
            f"{s.date:%d/%m} {s.reason}" for s in draft.skipped[:5]
        )
    flash(request, message)


@router.post("/reservations/{ref}/planning")
def planning_save(request: Request, ref: str, parent: ParentPage, form: FormDep, svc: ServicesDep):
    week = text(form, "semaine", 10) or None
    # One transaction: the planning as it stands, the ticked boxes compared with it, the
    # difference written into the draft.
    done: dict[str, Any] = {}

    def action(session):
        reg = _registration(session, parent, ref)
        plan = done["plan"] = planning.planning(session, reg, week, svc.now())
        changes = done["changes"] = _grid_changes(plan, form)
        if changes:
            body = parse(DraftRequest, {"changes": changes})
            done["draft"] = drafts.edit_draft(session, reg, body, svc.now())

    try:
        write_or_conflict(svc, action)
    except PortalError as exc:
        if "changes" not in done:  # the planning itself (an unknown week): as any page
            raise
        return _planning_page(
            request, svc, parent, ref, week, exc.status_code, errors=errors_of(exc)
        )
    plan: Planning = done["plan"]
    after = f"/reservations/{ref}/planning?semaine={plan.week.week}"
    if text(form, "suite", 20) == "verifier":
        after = f"/reservations/{ref}/verifier"
    if done["changes"]:
        # The review page says it all; htmx redraws the cell only (the grid says it).
        if not after.endswith("/verifier") and "hx-request" not in request.headers:
            _draft_flash(request, done["draft"])
    elif after.endswith("/verifier") and plan.draft_count == 0:
        flash(request, "Aucun jour coché ni décoché : cochez des jours dans le planning.")
        after = f"/reservations/{ref}/planning?semaine={plan.week.week}"
    return redirect(request, after)


@router.post("/reservations/{ref}/selection")
def bulk_select(request: Request, ref: str, parent: ParentPage, form: FormDep, svc: ServicesDep):
    """« Sélectionner / désélectionner les jours de la période, les jours affichés », and
    « Sélection automatique des jours » (chosen weekdays over the period or the week)."""
    week = text(form, "semaine", 10) or None
    scope = "week" if text(form, "etendue", 10) == "semaine" else "period"
    weekdays = [int(d) for d in form.getlist("jours") if isinstance(d, str) and d.isdigit()]
    change: dict[str, Any] = {
        "action": "unbook" if text(form, "action", 10) == "unbook" else "book",
        "unit": text(form, "unit", 40),
        "scope": scope,
    }
    if scope == "week":
        change["week"] = week
    if weekdays:
        change["weekdays"] = weekdays
    try:
        _draft_flash(request, _edit(svc, parent, ref, [change]))
    except PortalError as exc:
        errors = {"selection": " ".join(errors_of(exc).values())}
        return _planning_page(request, svc, parent, ref, week, exc.status_code, errors=errors)
    return redirect(request, f"/reservations/{ref}/planning?semaine={week or ''}")


@router.get("/reservations/{ref}/verifier")
def review_page(request: Request, ref: str, parent: ParentPage, svc: ServicesDep):
    with svc.db.read() as session:
        reg = _registration(session, parent, ref)
        draft = drafts.draft(session, reg, svc.now())
    return render(
        request,
        "reservations/review.html",
        {"draft": draft, "reg": draft.registration, "ref": ref, "outcome_words": OUTCOME_WORDS},
    )


@router.post("/reservations/{ref}/abandonner")
def review_drop(request: Request, ref: str, parent: ParentPage, form: FormDep, svc: ServicesDep):
    def action(session):
        drafts.clear_draft(session, _registration(session, parent, ref))

    write_or_conflict(svc, action)
    flash(request, "Les jours cochés non validés sont abandonnés.")
    return redirect(request, f"/reservations/{ref}/planning")


@router.post("/reservations/{ref}/valider")
def review_validate(
    request: Request, ref: str, parent: ParentPage, form: FormDep, svc: ServicesDep
):
    outbox: list[Mail] = []
    send = bool(text(form, "courriel", 3))

    def action(session):
        family = session.get_one(Family, parent.family_id)
        summary = submissions.validate(
            session, family, _registration(session, parent, ref), svc.now()
        )
        # The account (who gets the e-mail) is read only when the parent asked for one.
        to = answers.recipient(family) if send else None
        if to is not None:
            outbox.append(answers.submission_mail(to, summary))
        return summary

    try:
        summary = write_or_conflict(svc, action)
    except PortalError as exc:
        flash(request, exc.detail)
        return redirect(request, f"/reservations/{ref}/verifier")
    send_after_commit(svc.mailer, outbox)
    flash(request, summary.message)
    return redirect(request, f"/reservations/detail/{summary.number}")


@router.get("/reservations/detail/{number}")
def submission_page(request: Request, number: str, parent: ParentPage, svc: ServicesDep):
    with svc.db.read() as session:
        try:
            sub = submissions.submission_of_family(session, parent.family_id, number)
        except PortalError as exc:
            raise HTTPException(404) from exc
    return render(
        request,
        "reservations/detail.html",
        {"sub": sub, "reg": sub.registration, "icons": STATE_ICONS},
    )


# Icons of a booking's state (summaries), same as the grid's.
STATE_ICONS = {
    "accepted": "✓",
    "requested": "?",
    "waiting_list": "…",
    "refused": "✗",
    "cancel_requested": "↺",
    "cancelled": "—",
}
