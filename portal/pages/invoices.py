"""Signed-in pages of §7 « Mes factures & paiements »: invoices per régie with their
state and balance, the invoice PDF as the back-office pushed it, online payment of a
régie's invoices during its payment window, the simulated provider's page (tests, demo)
and the return page (pending, then validated or refused).

The same portal functions as ``/me/invoices``, ``/me/payments`` and the simulated
provider's routes (``portal.billing.invoices``, ``payments``, ``portal.routes.pay``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException

from portal.billing import amounts, invoices, payments
from portal.deps import Services, ServicesDep
from portal.errors import PortalError
from portal.models import Family
from portal.pages.web import FormDep, ParentPage, redirect, render, templates, text
from portal.payfip import PayfipError
from portal.providers import RESULT_LABELS
from portal.routes.billing import api_base, expire_overdue_payments
from portal.routes.common import write_or_conflict
from portal.routes.pay import CHOICES, simulated_outcome, simulated_payment
from portal.rules import PARIS

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
templates.env.filters["euros"] = amounts.euros


def _invoices_page(request: Request, svc: Services, parent, status_code=200, **extra):
    expire_overdue_payments(svc, parent.family_id)
    with svc.db.read() as session:
        out = invoices.invoices_of(session, parent.family_id, svc.now(), svc.provider is not None)
        paid = payments.payments_of(session, parent.family_id)
    context = {"regies": out.regies, "balance": out.balance_cents, "payments": paid}
    context.update(extra)
    return render(request, "factures/list.html", context, status_code)


@router.get("/factures")
def invoices_page(request: Request, parent: ParentPage, svc: ServicesDep):
    return _invoices_page(request, svc, parent)


@router.get("/factures/{number}/pdf")
def invoice_pdf(number: str, parent: ParentPage, svc: ServicesDep):
    """The invoice's PDF through the page session (same as ``GET /me/invoices/{n}/pdf``)."""
    with svc.db.read() as session:
        try:
            invoice = invoices.invoice_of_family(session, parent.family_id, number)
            content = invoices.pdf_of(session, invoice)
        except PortalError as exc:
            raise HTTPException(404) from exc
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="facture-{number}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


@router.post("/factures/payer")
def pay(request: Request, parent: ParentPage, form: FormDep, svc: ServicesDep):
    numbers = [n for n in form.getlist("factures") if isinstance(n, str)][:20]
    regie = text(form, "regie", 40)
    if not numbers:
        return _invoices_page(
            request,
            svc,
            parent,
            422,
            errors={f"payer-{regie}": "Cochez au moins une facture à payer."},
            posted=regie,
        )
    base = str(request.base_url).rstrip("/")
    provider = svc.provider
    urls = payments.Urls(
        notify=f"{api_base(svc, request)}/payments/{provider.name if provider else 'none'}"
        "/notification",
        return_to=f"{base}/paiement/retour?paiement=",
        page=f"{base}/paiement/simule/",
    )
    try:
        payment_id, operation = write_or_conflict(
            svc,
            lambda session: payments.open_payment(
                session,
                provider,
                session.get_one(Family, parent.family_id),
                numbers,
                svc.now(),
                urls,
                svc.settings.payment_operation_minutes,
            ),
        )
        assert provider is not None  # open_payment refused otherwise
        try:
            started = provider.start(operation)
        except (ValueError, PayfipError) as exc:
            write_or_conflict(svc, lambda session: payments.drop_payment(session, payment_id))
            raise PortalError(
                502 if isinstance(exc, PayfipError) else 409,
                f"Le paiement en ligne n'a pas pu être créé : réessayez plus tard. ({exc})",
            ) from exc
        out = write_or_conflict(
            svc, lambda session: payments.attach_operation(session, payment_id, started)
        )
    except PortalError as exc:
        message = exc.errors[0].message if exc.errors else exc.detail
        return _invoices_page(
            request, svc, parent, exc.status_code, errors={f"payer-{regie}": message}, posted=regie
        )
    if out.redirect_url.startswith(base + "/"):
        return redirect(request, out.redirect_url)
    # Another site (PayFiP): a link, not a redirect — the pages' policy lets forms post
    # to this site only (« form-action 'self' »), redirects after a post included.
    return render(request, "factures/continue.html", {"started": out, "tz": PARIS})


def _payment(svc: Services, parent, ref: str):
    expire_overdue_payments(svc, parent.family_id)
    with svc.db.read() as session:
        try:
            return payments.payment_out(payments.payment_of_family(session, parent.family_id, ref))
        except PortalError as exc:
            raise HTTPException(404) from exc


@router.get("/paiement/retour")
def payment_return(request: Request, parent: ParentPage, svc: ServicesDep, paiement: str = ""):
    """Where the payment provider sends the browser back: the payment's state as the
    portal knows it (pending until the provider's notification)."""
    return render(request, "factures/return.html", {"payment": _payment(svc, parent, paiement)})


@router.get("/paiement/simule/{refdet}")
def simulated_page(request: Request, refdet: str, parent: ParentPage, svc: ServicesDep):
    """The simulated provider's page (tests, demo) for the parent who owns the operation."""
    try:
        p = simulated_payment(svc, refdet, parent.family_id)
    except PortalError as exc:
        raise HTTPException(404) from exc
    return render(
        request,
        "factures/simulated.html",
        {"p": p, "refdet": refdet, "choices": CHOICES, "result_labels": RESULT_LABELS},
    )


@router.post("/paiement/simule/{refdet}")
def simulated_choice(
    request: Request, refdet: str, parent: ParentPage, form: FormDep, svc: ServicesDep
):
    try:
        p = simulated_payment(svc, refdet, parent.family_id)
        notification = {
            "refdet": refdet,
            "resultrans": text(form, "resultrans", 1),
            "montant": str(p["amount_cents"]),
        }
        answer = simulated_outcome(svc, notification, parent.family_id)
    except PortalError as exc:
        raise HTTPException(404 if exc.status_code == 404 else 422) from exc
    return redirect(request, f"/paiement/retour?paiement={answer['payment']}")
