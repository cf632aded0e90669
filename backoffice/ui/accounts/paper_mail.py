"""Paper for the families without the portal, from the Familles menu, written off the GUI
thread then opened: « Factures papier (familles sans portail)… » (their invoices still to
pay in one PDF for window envelopes, :func:`~backoffice.services.billing.paper_batch.
write_paper_batch`) and « Lettre de réponse à une demande… » (:func:`~backoffice.services.
requests.answer_letters.write_answer_letter`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from backoffice.dates import paris_today
from backoffice.paths import invoices_dir
from backoffice.services.billing.paper_batch import PaperBatch, write_paper_batch
from backoffice.services.common.actors import Actor
from backoffice.services.requests.answer_letters import write_answer_letter
from backoffice.storage import Database
from backoffice.ui import dialogs, files
from backoffice.ui.qt import QDialog, QDialogButtonBox, QLabel, QSpinBox, QVBoxLayout, QWidget
from backoffice.ui.tasks import Task, TaskRunner

TITLE = "Factures papier (familles sans portail)"
LETTER_TITLE = "Lettre de réponse à une demande"
scripted_request_numbers: list[int | None] = []  # tests: what the agent types (None: cancel)


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


def ask_request_number(parent: QWidget | None) -> int | None:
    """The request's number the agent types (shown in « Demandes »); None if cancelled."""
    if dialogs.no_dialogs():
        return scripted_request_numbers.pop(0) if scripted_request_numbers else None
    dialog = QDialog(parent)
    dialog.setWindowTitle(LETTER_TITLE)
    layout = QVBoxLayout(dialog)
    layout.addWidget(QLabel("Numéro de la demande (colonne « N° » des demandes) :"))
    number = QSpinBox()
    number.setRange(1, 2_000_000_000)
    number.setAccessibleName("Numéro de la demande")
    layout.addWidget(number)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    return number.value() if dialog.exec() == QDialog.DialogCode.Accepted else None


def print_answer_letter(
    parent: QWidget | None,
    db: Database,
    runner: TaskRunner,
    actor: Actor,
    today: date | None = None,
    request_id: int | None = None,
) -> Task | None:
    """Write the letter answering a decided request (« reponse-demande-N.pdf »), open it."""
    request_id = request_id if request_id is not None else ask_request_number(parent)
    if request_id is None:
        return None
    folder = files.choose_folder(
        parent, f"{LETTER_TITLE} : dossier du PDF", invoices_dir() / "courrier"
    )
    if folder is None:
        return None
    out = Path(folder) / f"reponse-demande-{request_id}.pdf"

    def work() -> Path:
        with db.session() as session:
            return write_answer_letter(session, actor, request_id, out, today or paris_today())

    def done(path: Path) -> None:
        dialogs.information(parent, f"Lettre à imprimer et à envoyer :\n{path}", title=LETTER_TITLE)
        files.open_file(path)

    return runner.run(
        work, done, lambda exc: dialogs.warning(parent, str(exc)),
        label="Préparation de la lettre…", parent=parent,
    )  # fmt: skip
