"""« Factures papier (familles sans portail)… »: the invoices still to pay of the families
without the portal, in one PDF to print for window envelopes; written off the GUI thread
(:func:`backoffice.services.billing.paper_batch.write_paper_batch`), then opened."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from backoffice.dates import paris_today
from backoffice.paths import invoices_dir
from backoffice.services.billing.paper_batch import PaperBatch, write_paper_batch
from backoffice.services.common.actors import Actor
from backoffice.storage import Database
from backoffice.ui import dialogs, files
from backoffice.ui.qt import QWidget
from backoffice.ui.tasks import Task, TaskRunner

TITLE = "Factures papier (familles sans portail)"


def print_paper_invoices(
    parent: QWidget | None,
    db: Database,
    runner: TaskRunner,
    actor: Actor,
    today: date | None = None,
) -> Task | None:
    """Ask for the folder, write « factures-courrier-AAAA-MM-JJ.pdf » there, open it."""
    folder = files.choose_folder(parent, f"{TITLE} : dossier du PDF", invoices_dir() / "courrier")
    if folder is None:
        return None
    out = Path(folder) / f"factures-courrier-{(today or paris_today()).isoformat()}.pdf"

    def done(batch: PaperBatch) -> None:
        dialogs.information(
            parent,
            f"{batch.invoices} facture(s) de familles sans portail, {batch.pages} page(s) à "
            f"imprimer et à mettre sous enveloppe à fenêtre :\n{batch.path}",
            title=TITLE,
        )
        files.open_file(batch.path)

    def failed(exc: BaseException) -> None:
        dialogs.warning(parent, str(exc))

    return runner.run(
        lambda: write_paper_batch(db, actor, out),
        done,
        failed,
        label="Préparation des factures papier…",
        parent=parent,
    )
