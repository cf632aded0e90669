"""The catalogue's small dialogs: régie, site, activité, capacité, période, fermeture,
fenêtre de paiement. Each keeps what was typed when the save is refused."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from backoffice.models import ActivityKind, PeriodKind
from backoffice.services.catalogue_edit import activities, periods, regies, sites
from backoffice.services.catalogue_edit.checks import PERIOD_KIND_LABELS
from backoffice.services.catalogue_edit.payment_windows import save_window
from backoffice.services.common.actors import Actor
from backoffice.storage import Database
from backoffice.ui.qt import (
    QCheckBox,
    QComboBox,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSpinBox,
    Qt,
)
from backoffice.ui.settings.catalogue_form import CatalogueDialog
from backoffice.ui.tasks import TaskRunner


@dataclass
class Snapshot:
    """What a dialog edits: the row's id and version (None: a new one) and its values."""

    id: int | None = None
    version: int | None = None
    values: dict = field(default_factory=dict)


def _combo(choices: Sequence[tuple[object, str]], current: object = None) -> QComboBox:
    combo = QComboBox()
    for key, label in choices:
        combo.addItem(label, key)
        if key == current:
            combo.setCurrentIndex(combo.count() - 1)
    return combo


def _line(text: str = "", width: int | None = None) -> QLineEdit:
    edit = QLineEdit(text)
    if width:
        edit.setMaxLength(width)
    return edit


class RegieDialog(CatalogueDialog):
    def __init__(self, db: Database, actor: Actor, runner: TaskRunner, snap: Snapshot, parent=None):
        super().__init__("Régie" if snap.id else "Nouvelle régie", db, actor, runner, parent)
        v, self.snap = snap.values, snap
        self.code = _line(v.get("code", ""), 20)
        self.code.setReadOnly(snap.id is not None)
        self.name = _line(v.get("name", ""), 120)
        self.prefix = _line(v.get("invoice_prefix", ""), 12)
        self.credit_prefix = _line(v.get("credit_note_prefix", ""), 16)
        self.credit_prefix.setPlaceholderText("AV-<préfixe de facture> si vide")
        self.online = QCheckBox("Payable en ligne sur le portail (PayFiP)")
        self.online.setChecked(v.get("payable_online", False))
        self.tresor = QCheckBox("Réglée par le Trésor public (avis des sommes à payer)")
        self.tresor.setChecked(v.get("tresor_public", False))
        self.numcli = _line(v.get("payfip_numcli", ""), 6)
        self.numcli.setPlaceholderText("6 chiffres")
        self.due = QSpinBox()
        self.due.setRange(0, 120)
        self.due.setSuffix(" jours")
        self.due.setValue(v.get("payment_due_days", 30))
        self.instructions = QPlainTextEdit(v.get("payment_instructions", ""))
        self.instructions.setFixedHeight(80)
        for label, widget in (
            ("Code :", self.code),
            ("Nom :", self.name),
            ("Préfixe des factures :", self.prefix),
            ("Préfixe des avoirs :", self.credit_prefix),
            ("", self.online),
            ("", self.tresor),
            ("Numéro client PayFiP :", self.numcli),
            ("Délai de paiement :", self.due),
            ("Instructions de paiement :", self.instructions),
        ):
            self.form.addRow(label, widget)

    def make_work(self, errors):
        data = regies.RegieInput(
            self.code.text(),
            self.name.text(),
            self.prefix.text(),
            self.credit_prefix.text(),
            self.online.isChecked(),
            self.tresor.isChecked(),
            self.numcli.text(),
            self.instructions.toPlainText(),
            self.due.value(),
        )
        db, actor, snap = self.db, self.actor, self.snap

        def work():
            with db.session() as s:
                return regies.save_regie(s, actor, data, snap.id, snap.version).code

        return work


class SiteDialog(CatalogueDialog):
    def __init__(self, db, actor, runner, snap: Snapshot, parent=None):
        super().__init__("Site" if snap.id else "Nouveau site", db, actor, runner, parent)
        v, self.snap = snap.values, snap
        self.code = _line(v.get("code", ""), 20)
        self.name = _line(v.get("name", ""), 120)
        self.address = _line(v.get("address", ""), 200)
        self.postcode = _line(v.get("postcode", ""), 5)
        self.commune = _line(v.get("commune", ""), 80)
        self.phone = _line(v.get("phone", ""), 20)
        for label, widget in (
            ("Code :", self.code),
            ("Nom :", self.name),
            ("Adresse :", self.address),
            ("Code postal :", self.postcode),
            ("Commune :", self.commune),
            ("Téléphone :", self.phone),
        ):
            self.form.addRow(label, widget)

    def make_work(self, errors):
        data = sites.SiteInput(
            self.code.text(),
            self.name.text(),
            self.address.text(),
            self.postcode.text(),
            self.commune.text(),
            self.phone.text(),
        )
        db, actor, snap = self.db, self.actor, self.snap

        def work():
            with db.session() as s:
                return sites.save_site(s, actor, data, snap.id, snap.version).name

        return work


class ActivityDialog(CatalogueDialog):
    def __init__(
        self,
        db,
        actor,
        runner,
        snap: Snapshot,
        regie_choices,
        site_choices,
        parent=None,
        consent_choices: Sequence[tuple[int, str]] = (),
    ):
        super().__init__("Activité" if snap.id else "Nouvelle activité", db, actor, runner, parent)
        v, self.snap = snap.values, snap
        self.code = _line(v.get("code", ""), 30)
        self.name = _line(v.get("name", ""), 120)
        self.kind = _combo(list(activities.KIND_LABELS.items()), v.get("kind", ActivityKind.ALSH))
        self.regie = _combo(regie_choices, v.get("regie_id"))
        self.site = _combo(site_choices, v.get("site_id"))
        self.rank = QCheckBox("Tarif selon le rang de l'enfant dans la famille")
        self.rank.setChecked(v.get("rank_pricing", False))
        # Autorisations asked before a registration, and the documents to bring.
        self.consents = QListWidget()
        self.consents.setAccessibleName("Autorisations demandées")
        self.consents.setMaximumHeight(110)
        asked = set(v.get("consent_ids", ()))
        for consent_id, label in consent_choices:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, consent_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if consent_id in asked else Qt.CheckState.Unchecked
            )
            self.consents.addItem(item)
        self.documents = QPlainTextEdit("\n".join(v.get("required_documents", ())))
        self.documents.setAccessibleName("Pièces à fournir")
        self.documents.setPlaceholderText(
            "Une pièce par ligne, par exemple :\n" + "\n".join(activities.DOCUMENT_EXAMPLES)
        )
        self.documents.setFixedHeight(90)
        for label, widget in (
            ("Code :", self.code),
            ("Nom :", self.name),
            ("Type :", self.kind),
            ("Régie :", self.regie),
            ("Site :", self.site),
            ("", self.rank),
            ("Autorisations demandées :", self.consents),
            ("Pièces à fournir :", self.documents),
        ):
            self.form.addRow(label, widget)

    def checked_consents(self) -> list[int]:
        return [
            self.consents.item(row).data(Qt.ItemDataRole.UserRole)
            for row in range(self.consents.count())
            if self.consents.item(row).checkState() == Qt.CheckState.Checked
        ]

    def make_work(self, errors):
        if self.regie.currentData() is None or self.site.currentData() is None:
            errors.append("Créez d'abord une régie et un site (pages Régies et ci-dessus).")
            return None
        data = activities.ActivityInput(
            self.code.text(),
            self.name.text(),
            ActivityKind(self.kind.currentData()),
            self.regie.currentData(),
            self.site.currentData(),
            self.rank.isChecked(),
            consent_ids=self.checked_consents(),
            required_documents=self.documents.toPlainText().splitlines(),
        )
        db, actor, snap = self.db, self.actor, self.snap

        def work():
            with db.session() as s:
                return activities.save_activity(s, actor, data, snap.id, snap.version).name

        return work


class CapacityDialog(CatalogueDialog):
    def __init__(self, db, actor, runner, snap: Snapshot, unit_choices, group_choices, parent=None):
        super().__init__("Capacité" if snap.id else "Nouvelle capacité", db, actor, runner, parent)
        v, self.snap = snap.values, snap
        self.unit = _combo(unit_choices, v.get("unit_id"))
        self.group = _combo([(None, "Tous âges"), *group_choices], v.get("age_group_id"))
        self.start = self.date_field(v.get("start"))
        self.end = self.date_field(v.get("end"))
        self.places = QSpinBox()
        self.places.setRange(0, 999)
        self.places.setValue(v.get("places", 0))
        self.places.setAccessibleName("Places")
        for label, widget in (
            ("Unité :", self.unit),
            ("Groupe d'âge :", self.group),
            ("Du :", self.start),
            ("Au :", self.end),
            ("Places par jour :", self.places),
        ):
            self.form.addRow(label, widget)

    def make_work(self, errors):
        start = self.read_date(self.start, "Début", errors)
        end = self.read_date(self.end, "Fin", errors)
        if errors or start is None or end is None:
            return None
        unit_id, group_id, places = (
            self.unit.currentData(),
            self.group.currentData(),
            self.places.value(),
        )
        db, actor, snap = self.db, self.actor, self.snap

        def work():
            with db.session() as s:
                activities.save_capacity(s, actor, unit_id, start, end, places, group_id, snap.id)
                return places

        return work


class PeriodDialog(CatalogueDialog):
    def __init__(self, db, actor, runner, snap: Snapshot, activity_id: int, parent=None):
        super().__init__("Période" if snap.id else "Nouvelle période", db, actor, runner, parent)
        v, self.snap, self.activity_id = snap.values, snap, activity_id
        self.code = _line(v.get("code", ""), 40)
        self.name = _line(v.get("name", ""), 120)
        self.kind = _combo(list(PERIOD_KIND_LABELS.items()), v.get("kind", PeriodKind.HOLIDAYS))
        self.start = self.date_field(v.get("start"))
        self.end = self.date_field(v.get("end"))
        self.opens = self.date_field(v.get("booking_opens_on"))
        self.closes = self.date_field(v.get("booking_closes_on"))
        for label, widget in (
            ("Code :", self.code),
            ("Nom :", self.name),
            ("Type :", self.kind),
            ("Du :", self.start),
            ("Au :", self.end),
            ("Réservations ouvertes du :", self.opens),
            ("jusqu'au :", self.closes),
        ):
            self.form.addRow(label, widget)

    def make_work(self, errors):
        start = self.read_date(self.start, "Début de la période", errors)
        end = self.read_date(self.end, "Fin de la période", errors)
        opens = self.read_date(self.opens, "Ouverture des réservations", errors, required=False)
        closes = self.read_date(self.closes, "Fermeture des réservations", errors, required=False)
        if errors or start is None or end is None:
            return None
        data = periods.PeriodInput(
            self.code.text(),
            self.name.text(),
            PeriodKind(self.kind.currentData()),
            start,
            end,
            opens,
            closes,
        )
        db, actor, snap, activity_id = self.db, self.actor, self.snap, self.activity_id

        def work():
            with db.session() as s:
                return periods.save_period(s, actor, activity_id, data, snap.id, snap.version).code

        return work


class ClosureDialog(CatalogueDialog):
    def __init__(self, db, actor, runner, snap: Snapshot, activity_choices, parent=None):
        super().__init__("Fermeture", db, actor, runner, parent)
        v, self.snap = snap.values, snap
        self.activity = _combo(
            [(None, "Toutes les activités"), *activity_choices], v.get("activity_id")
        )
        self.start = self.date_field(v.get("start"))
        self.end = self.date_field(v.get("end"))
        self.label = _line(v.get("label", ""), 120)
        for label, widget in (
            ("Activité :", self.activity),
            ("Du :", self.start),
            ("Au :", self.end),
            ("Libellé :", self.label),
        ):
            self.form.addRow(label, widget)

    def make_work(self, errors):
        start = self.read_date(self.start, "Début", errors)
        end = self.read_date(self.end, "Fin", errors)
        if errors or start is None or end is None:
            return None
        activity_id, label = self.activity.currentData(), self.label.text()
        db, actor, snap = self.db, self.actor, self.snap

        def work():
            with db.session() as s:
                return periods.save_closure(s, actor, activity_id, start, end, label, snap.id).label

        return work


class WindowDialog(CatalogueDialog):
    def __init__(self, db, actor, runner, snap: Snapshot, regie_id: int, parent=None):
        super().__init__("Fenêtre de paiement", db, actor, runner, parent)
        v, self.snap, self.regie_id = snap.values, snap, regie_id
        self.label = _line(v.get("label", ""), 120)
        self.start = self.date_field(v.get("start"))
        self.end = self.date_field(v.get("end"))
        for label, widget in (("Libellé :", self.label), ("Du :", self.start), ("Au :", self.end)):
            self.form.addRow(label, widget)

    def make_work(self, errors):
        start = self.read_date(self.start, "Ouverture", errors)
        end = self.read_date(self.end, "Fermeture", errors)
        if errors or start is None or end is None:
            return None
        label, regie_id = self.label.text(), self.regie_id
        db, actor, snap = self.db, self.actor, self.snap

        def work():
            with db.session() as s:
                return save_window(s, actor, regie_id, label, start, end, snap.id).label

        return work


__all__ = [
    "ActivityDialog",
    "CapacityDialog",
    "ClosureDialog",
    "PeriodDialog",
    "RegieDialog",
    "SiteDialog",
    "Snapshot",
    "WindowDialog",
]
