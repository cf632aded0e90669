"""Payment windows: when parents may pay a régie's invoices online on the portal."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import AuditAction, PaymentWindow, Regie
from backoffice.services.catalogue_edit.common import (
    CatalogueRefused,
    audit,
    queue_for_portal,
    refuse_if,
    require_catalogue_role,
)
from backoffice.services.common.actors import Actor


def list_windows(session: Session, regie_id: int) -> list[PaymentWindow]:
    return list(
        session.scalars(
            select(PaymentWindow)
            .where(PaymentWindow.regie_id == regie_id)
            .order_by(PaymentWindow.opens_on)
        )
    )


def save_window(
    session: Session,
    actor: Actor,
    regie_id: int,
    label: str,
    opens_on: date,
    closes_on: date,
    window_id: int | None = None,
) -> PaymentWindow:
    require_catalogue_role(session, actor, "modifier les fenêtres de paiement")
    regie = session.get(Regie, regie_id)
    if regie is None:
        raise CatalogueRefused(["Cette régie n'existe plus : rechargez la page."])
    problems = []
    if closes_on < opens_on:
        problems.append(
            f"La fenêtre ferme le {closes_on:%d/%m/%Y}, avant d'ouvrir le {opens_on:%d/%m/%Y}."
        )
    if not regie.payable_online:
        problems.append(
            f"La régie « {regie.code} » ne se paie pas en ligne : cochez d'abord « payable en "
            "ligne » dans Régies."
        )
    for other in list_windows(session, regie_id):
        if other.id != window_id and other.opens_on <= closes_on and opens_on <= other.closes_on:
            problems.append(
                f"Elle chevauche la fenêtre du {other.opens_on:%d/%m/%Y} au "
                f"{other.closes_on:%d/%m/%Y}."
            )
    refuse_if(problems)
    window = session.get(PaymentWindow, window_id) if window_id else None
    if window is None:
        window = PaymentWindow(
            regie_id=regie_id, label=label.strip(), opens_on=opens_on, closes_on=closes_on
        )
        session.add(window)
        audit(session, actor, AuditAction.CREATE, "payment_window", window, label)
    else:
        window.label, window.opens_on, window.closes_on = label.strip(), opens_on, closes_on
        audit(session, actor, AuditAction.UPDATE, "payment_window", window)
    session.flush()
    queue_for_portal(session, f"Paramètres : fenêtre de paiement {regie.code}", windows=True)
    return window


def delete_window(session: Session, actor: Actor, window_id: int) -> None:
    require_catalogue_role(session, actor, "modifier les fenêtres de paiement")
    window = session.get(PaymentWindow, window_id)
    if window is None:
        return
    audit(session, actor, AuditAction.DELETE, "payment_window", window, window.label)
    session.delete(window)
    session.flush()
    queue_for_portal(session, "Paramètres : fenêtre de paiement supprimée", windows=True)
