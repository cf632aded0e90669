"""The « Régie » menu of the main window: reminders, attestations and the CAF figures
(the régisseur's, director's and administrator's; greyed out for the others)."""

from __future__ import annotations

from typing import Any

from backoffice.services.billing.common import BILLING_ROLES

DENIED = "Réservé au régisseur, au directeur ou à l'administrateur"


def add_regie_menu(window: Any) -> Any:
    """Add « Régie » to ``window``'s menu bar (the payments area is built on first use)."""
    menu = window.menuBar().addMenu("&Régie")
    allowed = window.actor.role in BILLING_ROLES

    def payments():
        window.show_area(window.payments)
        return window.payments

    def reminders() -> None:
        area = payments()
        area.tabs.setCurrentWidget(area.reminders)

    for text, action in (
        ("&Relances des factures impayées", reminders),
        ("&Attestations…", lambda: payments().open_attestations()),
        ("&Statistiques CAF…", lambda: payments().open_caf()),
    ):
        item = menu.addAction(text)
        item.setEnabled(allowed)
        if not allowed:
            item.setToolTip(DENIED)
        item.triggered.connect(lambda _checked=False, act=action: act())
    return menu
