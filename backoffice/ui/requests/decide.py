"""Deciding from the desk: the decision dialog, the work in the runner, undo.

Every decision goes through :mod:`backoffice.services.requests.decisions` in one
transaction (:func:`backoffice.services.requests.desk.decide_requests`, run by
:func:`.work.decide`); the list reloads after it. A decision refused
by the service (another agent decided first, nothing to undo, already synced)
shows its French message and reloads.
"""

from __future__ import annotations

from backoffice.errors import UserError
from backoffice.models import RequestKind
from backoffice.services.requests.desk import Outcome
from backoffice.services.requests.queue import QueueRow
from backoffice.ui.requests import work
from backoffice.ui.requests.decision_dialog import DecisionDialog


class DecisionsMixin:
    """Decisions of :class:`~.area.RequestsArea` (mixed into it)."""

    # -- decisions ---------------------------------------------------------------------

    def _decidable_selection(self) -> list[QueueRow]:
        rows = self.selected_requests()
        decidable = [r for r in rows if r.decidable]
        if not decidable:
            self.status.setText(
                "Rien à décider dans la sélection : une modification de dossier ou "
                "d'identifiant se traite dans la fiche de la famille (Entrée)."
            )
        return decidable

    def accept_selection(self) -> None:
        self._open_decision(accept=True)

    def refuse_selection(self) -> None:
        self._open_decision(accept=False)

    def _open_decision(self, accept: bool) -> None:
        rows = self._decidable_selection()
        if not rows:
            return
        late = work.find_late(self.db, rows) if accept else set()
        skipped = len(self.selected_requests()) - len(rows)
        summary = _summary(rows, accept, skipped)
        dialog = DecisionDialog(accept, summary, len(late), self)
        dialog.accepted.connect(lambda: self.decide(rows, dialog.decision(), late))
        dialog.finished.connect(dialog.deleteLater)
        self.decision_dialog = dialog
        dialog.open()

    def decide(self, rows: list[QueueRow], decision, late: set[int] = frozenset()) -> None:
        self.decision_dialog = None
        self.resume_after(rows)  # the next undecided request below, once reloaded
        self.runner.run(
            lambda: work.decide(self.db, self.actor, rows, decision, set(late)),
            self._decided,
            self._decision_failed,
            label="Enregistrement des décisions…",
            parent=self,
        )

    def _decided(self, outcome: Outcome) -> None:
        self.undo_stack.append(outcome.ids)
        self.status.setText(outcome.text())
        self.reload()
        self.focus_list()

    def _decision_failed(self, exc: BaseException) -> None:
        self.resume_ids = None  # nothing decided: the selection stays where it is
        self._failed(exc)
        self.reload()

    def undo_last(self) -> None:
        if not self.undo_stack:
            self.status.setText("Aucune décision à annuler.")
            return
        if not work.undo_available():
            self.status.setText("L'annulation des décisions n'est pas encore disponible.")
            return
        ids = self.undo_stack[-1]
        self.runner.run(
            lambda: work.undo(self.db, self.actor, ids),
            self._undone,
            self._undo_failed,
            label="Annulation de la décision…",
            parent=self,
        )

    def _undo_failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserError) and self.undo_stack:
            self.undo_stack.pop()  # it will not become undoable again
        self._decision_failed(exc)

    def _undone(self, count: int) -> None:
        self.undo_stack.pop()
        noun = "demande remise" if count == 1 else "demandes remises"
        self.status.setText(f"Décision annulée : {count} {noun} en attente.")
        self.reload()


def _summary(rows: list[QueueRow], accept: bool, skipped: int) -> str:
    days = sum(r.days for r in rows)
    families = len({r.family_id for r in rows})
    verb = "Accepter" if accept else "Refuser"
    noun = "demande" if len(rows) == 1 else "demandes"
    details = [f"{families} famille{'s' if families > 1 else ''}"]
    if days:
        details.insert(0, f"{days} jour{'s' if days > 1 else ''}")
    text = f"{verb} {len(rows)} {noun} ({', '.join(details)})."
    if accept and any(r.kind is RequestKind.BOOKING for r in rows):
        text += (
            " Rien n'est accepté au-delà des places : un jour complet va en liste "
            "d'attente ou est refusé, selon la règle de l'activité."
        )
    doubles = sum(len(r.duplicate_ids) for r in rows)
    if doubles:
        text += (
            f" {doubles} demande{'s' if doubles > 1 else ''} en double (même enfant, mêmes "
            f"jours) {'seront fermées' if doubles > 1 else 'sera fermée'} avec "
            f"{'elles' if len(rows) > 1 else 'elle'}."
        )
    if skipped:
        text += f" {skipped} modification(s) de dossier ne sont pas concernées."
    return text
