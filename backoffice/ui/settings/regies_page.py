"""« Régies »: numbering, how families pay, PayFiP ``numcli``; archived régies greyed."""

from __future__ import annotations

from datetime import date

from backoffice.models import Settlement
from backoffice.services.catalogue_edit import archive, regies
from backoffice.ui.qt import QPushButton
from backoffice.ui.settings.archive_rows import ArchiveButton, grey_archived, state_text
from backoffice.ui.settings.catalogue_base import CataloguePage
from backoffice.ui.settings.catalogue_dialogs import RegieDialog, Snapshot
from backoffice.ui.settings.catalogue_form import button_row, fill_table, make_table, selected_key

SETTLEMENT_LABELS = {
    Settlement.DESK_AND_ONLINE: "Guichet et en ligne",
    Settlement.DESK: "Guichet",
    Settlement.TRESOR_PUBLIC: "Trésor public",
}


def _values(obj, *names: str) -> dict:
    return {name: getattr(obj, name) for name in names}


class RegiesPage(CataloguePage):
    title = "Régies"
    intro = (
        "Chaque régie numérote ses factures et ses avoirs et dit comment les familles paient : "
        "au guichet, en ligne sur le portail (PayFiP) ou au Trésor public."
    )

    def __init__(self, db, actor, runner, parent=None):
        super().__init__(db, actor, runner, parent)
        self.snaps: dict[int, Snapshot] = {}
        self.table = make_table(
            ["Code", "Nom", "Factures", "Avoirs", "Règlement", "PayFiP (numcli)", "État"],
            "Régies",
        )
        self.new_button = QPushButton("Nouvelle régie…")
        self.edit_button = QPushButton("Modifier…")
        self.delete_button = QPushButton("Supprimer")
        self.archive_button = ArchiveButton(
            self.table, lambda key: self.snaps[key].values["archived_on"] is not None
        )
        self.archive_button.clicked.connect(self.toggle_archive)
        self.new_button.clicked.connect(lambda: self.open_regie(None))
        self.edit_button.clicked.connect(lambda: self.open_regie(selected_key(self.table)))
        self.table.doubleClicked.connect(lambda *_: self.open_regie(selected_key(self.table)))
        self.delete_button.clicked.connect(self.delete_selected)
        self.layout_.addLayout(
            button_row(self.new_button, self.edit_button, self.archive_button, self.delete_button)
        )
        self.layout_.addWidget(self.table, 1)
        self.finish_layout()

    def read(self, session):
        snaps = {}
        for r in regies.list_regies(session):
            values = _values(
                r,
                "code",
                "name",
                "invoice_prefix",
                "credit_note_prefix",
                "payment_instructions",
                "payment_due_days",
                "archived_on",
            )
            values.update(
                payable_online=r.payable_online,
                tresor_public=r.settlement is Settlement.TRESOR_PUBLIC,
                payfip_numcli=regies.payfip_numcli(session, r),
                settlement=r.settlement,
            )
            snaps[r.id] = Snapshot(r.id, r.version, values)
        return snaps

    def show_data(self, data) -> None:
        self.snaps = data
        rows = [
            (
                v.values["code"],
                v.values["name"],
                v.values["invoice_prefix"],
                v.values["credit_note_prefix"],
                SETTLEMENT_LABELS[v.values["settlement"]],
                v.values["payfip_numcli"] or "—",
                state_text(v.values["archived_on"]),
            )
            for v in data.values()
        ]
        fill_table(self.table, rows, list(data))
        grey_archived(self.table, [v.values["archived_on"] is not None for v in data.values()])
        self.archive_button.follow()

    def open_regie(self, regie_id: int | None):
        snap = self.snaps.get(regie_id, Snapshot()) if regie_id else Snapshot()
        return self.open_dialog(RegieDialog(self.db, self.actor, self.runner, snap, self))

    def toggle_archive(self) -> None:
        key = selected_key(self.table)
        if key is None:
            return
        snap, actor = self.snaps[key], self.actor
        on = snap.values["archived_on"] is None
        self.act(
            lambda s: archive.archive_regie(s, actor, key, snap.version, date.today(), on),
            f"Régie « {snap.values['code']} » "
            + ("archivée : elle n'est plus proposée." if on else "de nouveau en service."),
        )

    def delete_selected(self) -> None:
        key = selected_key(self.table)
        if key is None:
            return
        snap = self.snaps[key]
        self.act(
            lambda s: regies.delete_regie(s, self.actor, key, snap.version),
            f"Régie « {snap.values['code']} » supprimée.",
        )
