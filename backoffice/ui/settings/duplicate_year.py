"""« Dupliquer vers l'année suivante… » of the periods page: the copy computed, shown for
review (every period with its new dates and where they come from), then saved."""

from __future__ import annotations

from typing import Any

from backoffice.errors import UserError
from backoffice.services.catalogue_edit import duplicate
from backoffice.services.catalogue_edit.common import CatalogueRefused
from backoffice.ui import crash, dialogs

# The periods page (``period_pages.PeriodsPage``, not imported: it imports this module).
PeriodsPage = Any


def _refused(page: PeriodsPage, exc: BaseException) -> None:
    if isinstance(exc, CatalogueRefused):
        dialogs.warning(page, "Rien n'est enregistré :\n" + "\n".join(exc.reasons))
    elif isinstance(exc, UserError):
        dialogs.warning(page, str(exc))
    else:
        crash.report(exc)


def offer_duplicate(page: PeriodsPage) -> None:
    activity_id = page.activity.currentData()
    if activity_id is None:
        return
    db, actor = page.db, page.actor

    def propose() -> list[duplicate.PeriodCopy]:
        with db.session() as s:
            return duplicate.propose_next_year(s, actor, activity_id)

    def review(copies: list[duplicate.PeriodCopy]) -> None:
        text = (
            f"Copier les périodes de « {page.activity.currentText()} » sur l'année "
            "suivante (capacités comprises) :\n\n"
            + "\n".join(f"• {c.line}" for c in copies)
            + "\n\nLes dates suivent les vacances de la zone B. Enregistrer cette copie ?"
        )
        page.review_text = text
        if not dialogs.ask(page, text, yes="Enregistrer la copie", no="Annuler", unattended=False):
            return

        def save() -> int:
            with db.session() as s:
                return duplicate.save_next_year(s, actor, activity_id, copies)

        def saved(count: int) -> None:
            page.note = f"{count} période(s) copiée(s) sur l'année suivante."
            page.refresh()

        page.runner.run(save, saved, lambda exc: _refused(page, exc), label="Copie…", parent=page)

    page.runner.run(propose, review, lambda exc: _refused(page, exc), label="Calcul…", parent=page)
