"""« Régies », « Sites et activités » and « Tarifs » pages."""

from __future__ import annotations

from dataclasses import dataclass, field

from backoffice.models import Settlement
from backoffice.services.catalogue_edit import activities, regies, sites
from backoffice.ui.billing.tariffs import TariffsPanel
from backoffice.ui.qt import QLabel, QPushButton
from backoffice.ui.settings.catalogue_base import CataloguePage
from backoffice.ui.settings.catalogue_dialogs import (
    ActivityDialog,
    CapacityDialog,
    RegieDialog,
    SiteDialog,
    Snapshot,
)
from backoffice.ui.settings.catalogue_form import (
    button_row,
    day_text,
    fill_table,
    make_table,
    selected_key,
)

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
            ["Code", "Nom", "Factures", "Avoirs", "Règlement", "PayFiP (numcli)"], "Régies"
        )
        self.new_button = QPushButton("Nouvelle régie…")
        self.edit_button = QPushButton("Modifier…")
        self.delete_button = QPushButton("Supprimer")
        self.new_button.clicked.connect(lambda: self.open_regie(None))
        self.edit_button.clicked.connect(lambda: self.open_regie(selected_key(self.table)))
        self.table.doubleClicked.connect(lambda *_: self.open_regie(selected_key(self.table)))
        self.delete_button.clicked.connect(self.delete_selected)
        self.layout_.addLayout(button_row(self.new_button, self.edit_button, self.delete_button))
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
            )
            for v in data.values()
        ]
        fill_table(self.table, rows, list(data))

    def open_regie(self, regie_id: int | None):
        snap = self.snaps.get(regie_id, Snapshot()) if regie_id else Snapshot()
        return self.open_dialog(RegieDialog(self.db, self.actor, self.runner, snap, self))

    def delete_selected(self) -> None:
        key = selected_key(self.table)
        if key is None:
            return
        snap = self.snaps[key]
        self.act(
            lambda s: regies.delete_regie(s, self.actor, key, snap.version),
            f"Régie « {snap.values['code']} » supprimée.",
        )


@dataclass
class SitesData:
    sites: dict[int, Snapshot] = field(default_factory=dict)
    activities: dict[int, Snapshot] = field(default_factory=dict)
    regie_choices: list = field(default_factory=list)
    site_choices: list = field(default_factory=list)
    units: dict[int, list] = field(default_factory=dict)  # activity → [(unit id, name)]
    groups: dict[int, list] = field(default_factory=dict)  # activity → [(group id, name)]
    capacities: dict[int, list[Snapshot]] = field(default_factory=dict)


class SitesActivitiesPage(CataloguePage):
    title = "Sites et activités"
    intro = (
        "Les sites accueillent les activités ; chaque activité dépend d'une régie et offre des "
        "unités (matin, journée…) avec leurs places par jour, par groupe d'âge si besoin. Une "
        "activité déjà réservée ou facturée s'archive : elle quitte le portail, son historique reste."
    )

    def __init__(self, db, actor, runner, parent=None):
        super().__init__(db, actor, runner, parent)
        self.data = SitesData()
        self.sites = make_table(["Code", "Nom", "Commune", "Téléphone"], "Sites")
        self.sites.setMaximumHeight(150)
        self.activities = make_table(["Code", "Nom", "Type", "Régie", "Site", "État"], "Activités")
        self.capacities = make_table(["Unité", "Groupe d'âge", "Du", "Au", "Places"], "Capacités")
        b = {
            name: QPushButton(text)
            for name, text in (
                ("new_site", "Nouveau site…"),
                ("edit_site", "Modifier le site…"),
                ("new_activity", "Nouvelle activité…"),
                ("edit_activity", "Modifier l'activité…"),
                ("archive", "Archiver / réactiver"),
                ("delete_activity", "Supprimer l'activité"),
                ("new_capacity", "Nouvelle capacité…"),
                ("edit_capacity", "Modifier la capacité…"),
            )
        }
        self.buttons = b
        b["new_site"].clicked.connect(lambda: self.open_site(None))
        b["edit_site"].clicked.connect(lambda: self.open_site(selected_key(self.sites)))
        b["new_activity"].clicked.connect(lambda: self.open_activity(None))
        b["edit_activity"].clicked.connect(
            lambda: self.open_activity(selected_key(self.activities))
        )
        b["archive"].clicked.connect(self.toggle_archive)
        b["delete_activity"].clicked.connect(self.delete_activity)
        b["new_capacity"].clicked.connect(lambda: self.open_capacity(None))
        b["edit_capacity"].clicked.connect(lambda: self.open_capacity(self.capacities.currentRow()))
        self.activities.itemSelectionChanged.connect(self._show_capacities)
        self.layout_.addWidget(QLabel("<b>Sites</b>"))
        self.layout_.addLayout(button_row(b["new_site"], b["edit_site"]))
        self.layout_.addWidget(self.sites)
        self.layout_.addWidget(QLabel("<b>Activités</b>"))
        self.layout_.addLayout(
            button_row(b["new_activity"], b["edit_activity"], b["archive"], b["delete_activity"])
        )
        self.layout_.addWidget(self.activities, 1)
        self.layout_.addWidget(QLabel("<b>Capacités de l'activité choisie</b>"))
        self.layout_.addLayout(button_row(b["new_capacity"], b["edit_capacity"]))
        self.layout_.addWidget(self.capacities, 1)
        self.finish_layout()

    def read(self, session) -> SitesData:
        data = SitesData()
        for site in sites.list_sites(session):
            values = _values(site, "code", "name", "address", "postcode", "commune", "phone")
            data.sites[site.id] = Snapshot(site.id, site.version, values)
            data.site_choices.append((site.id, site.name))
        data.regie_choices = [(r.id, f"{r.code} — {r.name}") for r in regies.list_regies(session)]
        for a in activities.list_activities(session):
            values = _values(
                a, "code", "name", "kind", "regie_id", "site_id", "rank_pricing", "active"
            )
            values.update(regie=a.regie.code, site=a.site.name)
            data.activities[a.id] = Snapshot(a.id, a.version, values)
            data.units[a.id] = [(u.id, u.name) for u in a.units]
            data.groups[a.id] = [(g.id, g.name) for g in a.age_groups]
            data.capacities[a.id] = [
                Snapshot(
                    c.id,
                    None,
                    {
                        "unit_id": u.id,
                        "unit": u.name,
                        "age_group_id": c.age_group_id,
                        "group": c.age_group.name if c.age_group else "Tous âges",
                        "start": c.start_date,
                        "end": c.end_date,
                        "places": c.places,
                    },
                )
                for u in a.units
                for c in sorted(u.capacities, key=lambda c: (c.start_date, c.age_group_id or 0))
            ]
        return data

    def show_data(self, data: SitesData) -> None:
        current = selected_key(self.activities)
        self.data = data
        fill_table(
            self.sites,
            [
                (v.values["code"], v.values["name"], v.values["commune"], v.values["phone"])
                for v in data.sites.values()
            ],
            list(data.sites),
        )
        fill_table(
            self.activities,
            [
                (
                    v.values["code"],
                    v.values["name"],
                    activities.KIND_LABELS[v.values["kind"]],
                    v.values["regie"],
                    v.values["site"],
                    "Proposée" if v.values["active"] else "Archivée",
                )
                for v in data.activities.values()
            ],
            list(data.activities),
        )
        keys = list(data.activities)
        if keys:
            self.activities.selectRow(keys.index(current) if current in keys else 0)
        self._show_capacities()

    def _show_capacities(self) -> None:
        caps = self.data.capacities.get(selected_key(self.activities), [])
        fill_table(
            self.capacities,
            [
                (
                    c.values["unit"],
                    c.values["group"],
                    day_text(c.values["start"]),
                    day_text(c.values["end"]),
                    c.values["places"],
                )
                for c in caps
            ],
            [c.id for c in caps],
        )

    def select_activity(self, code: str) -> None:
        for row, snap in enumerate(self.data.activities.values()):
            if snap.values["code"] == code:
                self.activities.selectRow(row)

    def open_site(self, site_id):
        snap = self.data.sites.get(site_id, Snapshot()) if site_id else Snapshot()
        return self.open_dialog(SiteDialog(self.db, self.actor, self.runner, snap, self))

    def open_activity(self, activity_id):
        snap = self.data.activities.get(activity_id, Snapshot()) if activity_id else Snapshot()
        return self.open_dialog(
            ActivityDialog(
                self.db,
                self.actor,
                self.runner,
                snap,
                self.data.regie_choices,
                self.data.site_choices,
                self,
            )
        )

    def open_capacity(self, row: int | None):
        activity_id = selected_key(self.activities)
        if activity_id is None:
            return None
        caps = self.data.capacities.get(activity_id, [])
        snap = caps[row] if row is not None and 0 <= row < len(caps) else Snapshot()
        return self.open_dialog(
            CapacityDialog(
                self.db,
                self.actor,
                self.runner,
                snap,
                self.data.units[activity_id],
                self.data.groups[activity_id],
                self,
            )
        )

    def toggle_archive(self) -> None:
        key = selected_key(self.activities)
        if key is None:
            return
        snap = self.data.activities[key]
        archived = bool(snap.values["active"])
        self.act(
            lambda s: activities.archive_activity(s, self.actor, key, snap.version, archived),
            f"Activité « {snap.values['name']} » "
            + ("archivée : elle quitte le portail." if archived else "de nouveau proposée."),
        )

    def delete_activity(self) -> None:
        key = selected_key(self.activities)
        if key is None:
            return
        snap = self.data.activities[key]
        self.act(
            lambda s: activities.delete_activity(s, self.actor, key, snap.version),
            f"Activité « {snap.values['name']} » supprimée.",
        )


class CatalogueTariffsPage(TariffsPanel):
    """« Tarifs »: the tariffs screen of « Facturation », the same widget (narrower unit
    list: the page sits beside the list of the settings' pages)."""

    def __init__(self, db, actor, runner, parent=None):
        super().__init__(db, actor, runner, parent=parent)
        self.unit.setMinimumContentsLength(30)

    def refresh(self) -> None:
        self.reload()
