"""« Sites et activités » and « Tarifs » pages (« Régies » is in ``regies_page``, kept
importable from here: the pages list names this module)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from backoffice.models import BillingUnit
from backoffice.services.catalogue_edit import activities, archive, regies, sites
from backoffice.ui.billing.tariffs import TariffsPanel
from backoffice.ui.qt import QHBoxLayout, QLabel, QPushButton, QVBoxLayout
from backoffice.ui.settings.activity_parts import (
    AgeGroupDialog,
    UnitDialog,
    ages_text,
    weekdays_text,
)
from backoffice.ui.settings.archive_rows import ArchiveButton, grey_archived, state_text
from backoffice.ui.settings.catalogue_base import CataloguePage
from backoffice.ui.settings.catalogue_dialogs import (
    ActivityDialog,
    CapacityDialog,
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
from backoffice.ui.settings.regies_page import RegiesPage, _values


def _hours(start, end) -> str:
    return f"{start:%H:%M} – {end:%H:%M}" if start and end else "—"


@dataclass
class SitesData:
    sites: dict[int, Snapshot] = field(default_factory=dict)
    activities: dict[int, Snapshot] = field(default_factory=dict)
    regie_choices: list = field(default_factory=list)
    site_choices: list = field(default_factory=list)
    consent_choices: list = field(default_factory=list)
    units: dict[int, list] = field(default_factory=dict)  # activity → [(unit id, name)]
    groups: dict[int, list] = field(default_factory=dict)  # activity → [(group id, name)]
    capacities: dict[int, list[Snapshot]] = field(default_factory=dict)
    unit_snaps: dict[int, list[Snapshot]] = field(default_factory=dict)
    group_snaps: dict[int, list[Snapshot]] = field(default_factory=dict)


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
        self.sites = make_table(["Code", "Nom", "Commune", "Téléphone", "État"], "Sites")
        self.sites.setMaximumHeight(110)
        self.activities = make_table(["Code", "Nom", "Type", "Régie", "Site", "État"], "Activités")
        self.capacities = make_table(["Unité", "Groupe d'âge", "Du", "Au", "Places"], "Capacités")
        self.units = make_table(["Unité", "Horaires", "Jours", "Facturation"], "Unités")
        self.groups = make_table(["Groupe d'âge", "Âges"], "Groupes d'âge")
        for table in (self.units, self.groups):
            table.setMaximumHeight(100)
        b = {
            name: QPushButton(text)
            for name, text in (
                ("new_site", "Nouveau site…"),
                ("edit_site", "Modifier le site…"),
                ("new_unit", "Nouvelle unité…"),
                ("edit_unit", "Modifier l'unité…"),
                ("new_group", "Nouveau groupe d'âge…"),
                ("edit_group", "Modifier le groupe d'âge…"),
                ("new_activity", "Nouvelle activité…"),
                ("edit_activity", "Modifier l'activité…"),
                ("archive", "Archiver / réactiver"),
                ("delete_activity", "Supprimer l'activité"),
                ("new_capacity", "Nouvelle capacité…"),
                ("edit_capacity", "Modifier la capacité…"),
            )
        }
        self.archive_site_button = ArchiveButton(
            self.sites,
            lambda key: self.data.sites[key].values["archived_on"] is not None,
            "Archiver le site",
        )
        self.archive_site_button.clicked.connect(self.toggle_site_archive)
        self.buttons = b
        b["new_site"].clicked.connect(lambda: self.open_site(None))
        b["edit_site"].clicked.connect(lambda: self.open_site(selected_key(self.sites)))
        b["new_activity"].clicked.connect(lambda: self.open_activity(None))
        b["edit_activity"].clicked.connect(
            lambda: self.open_activity(selected_key(self.activities))
        )
        b["archive"].clicked.connect(self.toggle_archive)
        b["delete_activity"].clicked.connect(self.delete_activity)
        b["new_unit"].clicked.connect(lambda: self.open_unit(None))
        b["edit_unit"].clicked.connect(lambda: self.open_unit(self.units.currentRow()))
        self.units.doubleClicked.connect(lambda *_: self.open_unit(self.units.currentRow()))
        b["new_group"].clicked.connect(lambda: self.open_group(None))
        b["edit_group"].clicked.connect(lambda: self.open_group(self.groups.currentRow()))
        self.groups.doubleClicked.connect(lambda *_: self.open_group(self.groups.currentRow()))
        b["new_capacity"].clicked.connect(lambda: self.open_capacity(None))
        b["edit_capacity"].clicked.connect(lambda: self.open_capacity(self.capacities.currentRow()))
        self.activities.itemSelectionChanged.connect(self._show_capacities)
        self.layout_.addWidget(QLabel("<b>Sites</b>"))
        self.layout_.addLayout(button_row(b["new_site"], b["edit_site"], self.archive_site_button))
        self.layout_.addWidget(self.sites)
        self.layout_.addWidget(QLabel("<b>Activités</b>"))
        self.layout_.addLayout(
            button_row(b["new_activity"], b["edit_activity"], b["archive"], b["delete_activity"])
        )
        self.layout_.addWidget(self.activities, 1)
        parts = QHBoxLayout()
        for title, table, new, edit in (
            ("Unités de l'activité choisie", self.units, "new_unit", "edit_unit"),
            ("Groupes d'âge", self.groups, "new_group", "edit_group"),
        ):
            column = QVBoxLayout()
            column.addWidget(QLabel(f"<b>{title}</b>"))
            column.addLayout(button_row(b[new], b[edit]))
            column.addWidget(table)
            parts.addLayout(column, 3 if table is self.units else 2)
        self.layout_.addLayout(parts)
        self.layout_.addWidget(QLabel("<b>Capacités de l'activité choisie</b>"))
        self.layout_.addLayout(button_row(b["new_capacity"], b["edit_capacity"]))
        self.layout_.addWidget(self.capacities, 1)
        self.finish_layout()

    def read(self, session) -> SitesData:
        data = SitesData()
        for site in sites.list_sites(session):
            values = _values(
                site, "code", "name", "address", "postcode", "commune", "phone", "archived_on"
            )
            data.sites[site.id] = Snapshot(site.id, site.version, values)
            if site.archived_on is None:  # archived: no longer offered in the pickers
                data.site_choices.append((site.id, site.name))
        data.regie_choices = [
            (r.id, f"{r.code} — {r.name}") for r in regies.list_regies(session, with_archived=False)
        ]
        data.consent_choices = activities.consent_choices(session)
        for a in activities.list_activities(session):
            values = _values(
                a, "code", "name", "kind", "regie_id", "site_id", "rank_pricing", "active"
            )
            values.update(
                regie=a.regie.code,
                site=a.site.name,
                consent_ids=[c.id for c in a.consents],
                required_documents=list(a.required_documents or []),
            )
            data.activities[a.id] = Snapshot(a.id, a.version, values)
            data.units[a.id] = [(u.id, u.name) for u in a.units]
            data.groups[a.id] = [(g.id, g.name) for g in a.age_groups]
            data.unit_snaps[a.id] = [
                Snapshot(
                    u.id,
                    u.version,
                    _values(u, "code", "name", "start_time", "end_time", "weekdays")
                    | {"billing_unit": u.billing_unit},
                )
                for u in a.units
            ]
            data.group_snaps[a.id] = [
                Snapshot(g.id, None, _values(g, "code", "name", "min_age_months", "max_age_months"))
                for g in a.age_groups
            ]
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
                (
                    v.values["code"],
                    v.values["name"],
                    v.values["commune"],
                    v.values["phone"],
                    state_text(v.values["archived_on"], feminine=False),
                )
                for v in data.sites.values()
            ],
            list(data.sites),
        )
        grey_archived(
            self.sites, [v.values["archived_on"] is not None for v in data.sites.values()]
        )
        self.archive_site_button.follow()
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
        key = selected_key(self.activities)
        unit_snaps = self.data.unit_snaps.get(key, [])
        fill_table(
            self.units,
            [
                (
                    u.values["name"],
                    _hours(u.values["start_time"], u.values["end_time"]),
                    weekdays_text(u.values["weekdays"]),
                    "à l'heure" if u.values["billing_unit"] is BillingUnit.HOUR else "à l'unité",
                )
                for u in unit_snaps
            ],
            [u.id for u in unit_snaps],
        )
        group_snaps = self.data.group_snaps.get(key, [])
        fill_table(
            self.groups,
            [
                (
                    g.values["name"],
                    ages_text(g.values["min_age_months"], g.values["max_age_months"]),
                )
                for g in group_snaps
            ],
            [g.id for g in group_snaps],
        )
        caps = self.data.capacities.get(key, [])
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
        regie_choices, site_choices = list(self.data.regie_choices), list(self.data.site_choices)
        v = snap.values
        if v and v["regie_id"] not in dict(regie_choices):  # archived: kept, said so
            regie_choices.append((v["regie_id"], f"{v['regie']} (archivée)"))
        if v and v["site_id"] not in dict(site_choices):
            site_choices.append((v["site_id"], f"{v['site']} (archivé)"))
        return self.open_dialog(
            ActivityDialog(
                self.db,
                self.actor,
                self.runner,
                snap,
                regie_choices,
                site_choices,
                self,
                consent_choices=self.data.consent_choices,
            )
        )

    def open_unit(self, row: int | None):
        activity_id = selected_key(self.activities)
        if activity_id is None:
            return None
        snaps = self.data.unit_snaps.get(activity_id, [])
        snap = snaps[row] if row is not None and 0 <= row < len(snaps) else Snapshot()
        return self.open_dialog(
            UnitDialog(self.db, self.actor, self.runner, snap, activity_id, self)
        )

    def open_group(self, row: int | None):
        activity_id = selected_key(self.activities)
        if activity_id is None:
            return None
        snaps = self.data.group_snaps.get(activity_id, [])
        snap = snaps[row] if row is not None and 0 <= row < len(snaps) else Snapshot()
        return self.open_dialog(
            AgeGroupDialog(self.db, self.actor, self.runner, snap, activity_id, self)
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

    def toggle_site_archive(self) -> None:
        key = selected_key(self.sites)
        if key is None:
            return
        snap, actor = self.data.sites[key], self.actor
        on = snap.values["archived_on"] is None
        self.act(
            lambda s: archive.archive_site(s, actor, key, snap.version, date.today(), on),
            f"Site « {snap.values['name']} » "
            + ("archivé : il n'est plus proposé." if on else "de nouveau en service."),
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


__all__ = ["CatalogueTariffsPage", "RegiesPage", "SitesActivitiesPage"]
