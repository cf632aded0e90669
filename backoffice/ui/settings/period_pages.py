"""« Périodes et fermetures » and « Règles de réservation » pages."""

from __future__ import annotations

from datetime import date, time

from backoffice.models import WhenFull
from backoffice.services.catalogue_edit import activities, archive, periods, rules
from backoffice.services.catalogue_edit.checks import PERIOD_KIND_LABELS
from backoffice.ui.qt import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
)
from backoffice.ui.settings.archive_rows import ArchiveButton, grey_archived, state_text
from backoffice.ui.settings.catalogue_base import CataloguePage
from backoffice.ui.settings.catalogue_dialogs import ClosureDialog, PeriodDialog, Snapshot
from backoffice.ui.settings.catalogue_form import (
    button_row,
    day_text,
    fill_table,
    make_table,
    selected_key,
)
from backoffice.ui.settings.duplicate_year import offer_duplicate

WHEN_FULL_LABELS = {
    WhenFull.WAITING_LIST: "Liste d'attente (une place libérée va au suivant)",
    WhenFull.REQUEST: "Demande à traiter par la direction",
}


def _activity_combo(page: CataloguePage) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName("Activité")
    combo.setMinimumContentsLength(36)
    choice = QHBoxLayout()
    choice.addWidget(QLabel("Activité :"))
    choice.addWidget(combo)
    choice.addStretch(1)
    page.layout_.addLayout(choice)
    return combo


def _fill_activities(combo: QComboBox, choices: list[tuple[int, str]]) -> None:
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    for key, label in choices:
        combo.addItem(label, key)
    combo.setCurrentIndex(max(combo.findData(current), 0))
    combo.blockSignals(False)


class PeriodsPage(CataloguePage):
    title = "Périodes et fermetures"
    intro = (
        "Les périodes d'une activité (année scolaire, vacances) avec les dates où les familles "
        "réservent sur le portail, et les jours fermés. « Proposer fériés et ponts » ajoute les "
        "jours fériés de la période choisie et les ponts qui les accompagnent."
    )

    def __init__(self, db, actor, runner, parent=None):
        super().__init__(db, actor, runner, parent)
        self.data: dict = {"choices": [], "periods": {}, "closures": {}}
        self.activity = _activity_combo(self)
        self.activity.currentIndexChanged.connect(lambda *_: self._show())
        self.periods = make_table(
            ["Code", "Nom", "Type", "Du", "Au", "Réservations", "État"], "Périodes"
        )
        self.closures = make_table(["Du", "Au", "Libellé", "Pour"], "Fermetures")
        self.new_period = QPushButton("Nouvelle période…")
        self.edit_period = QPushButton("Modifier…")
        self.delete_period = QPushButton("Supprimer")
        self.archive_period = ArchiveButton(
            self.periods,
            lambda key: (
                (snap := self._period(key)) is not None and snap.values["archived_on"] is not None
            ),
        )
        self.archive_period.clicked.connect(self._toggle_archive)
        self.new_closure = QPushButton("Nouvelle fermeture…")
        self.suggest = QPushButton("Proposer fériés et ponts")
        self.delete_closure = QPushButton("Supprimer la fermeture")
        self.duplicate = QPushButton("Dupliquer vers l'année suivante…")
        self.duplicate.setToolTip(
            "Copie les périodes et capacités de la dernière année sur la suivante, "
            "dates des vacances de la zone B ; à vérifier avant d'enregistrer"
        )
        self.review_text = ""  # the last copy shown for review
        self.new_period.clicked.connect(lambda: self.open_period(None))
        self.edit_period.clicked.connect(lambda: self.open_period(selected_key(self.periods)))
        self.periods.doubleClicked.connect(lambda *_: self.open_period(selected_key(self.periods)))
        self.delete_period.clicked.connect(self._delete_period)
        self.new_closure.clicked.connect(self.open_closure)
        self.suggest.clicked.connect(self.add_suggested)
        self.delete_closure.clicked.connect(self._delete_closure)
        self.duplicate.clicked.connect(lambda: offer_duplicate(self))
        self.layout_.addLayout(
            button_row(
                self.new_period,
                self.edit_period,
                self.archive_period,
                self.delete_period,
                self.duplicate,
            )
        )
        self.layout_.addWidget(self.periods, 1)
        self.layout_.addWidget(QLabel("<b>Jours fermés</b>"))
        self.layout_.addLayout(button_row(self.new_closure, self.suggest, self.delete_closure))
        self.layout_.addWidget(self.closures, 1)
        self.finish_layout()

    def read(self, session):
        data: dict = {"choices": [], "periods": {}, "closures": {}}
        for a in activities.list_activities(session, with_archived=False):
            data["choices"].append((a.id, a.name))
            data["periods"][a.id] = [
                Snapshot(
                    p.id,
                    p.version,
                    {
                        "code": p.code,
                        "name": p.name,
                        "kind": p.kind,
                        "start": p.start_date,
                        "end": p.end_date,
                        "booking_opens_on": p.booking_opens_on,
                        "booking_closes_on": p.booking_closes_on,
                        "archived_on": p.archived_on,
                    },
                )
                for p in a.periods
            ]
            data["closures"][a.id] = [
                (
                    c.id,
                    c.start_date,
                    c.end_date,
                    c.label,
                    "Toutes" if c.activity_id is None else a.name,
                )
                for c in periods.list_closures(session, a.id)
            ]
        return data

    def show_data(self, data) -> None:
        self.data = data
        _fill_activities(self.activity, data["choices"])
        self._show()

    def _show(self) -> None:
        key = self.activity.currentData()
        snaps = self.data["periods"].get(key, [])
        fill_table(
            self.periods,
            [
                (
                    p.values["code"],
                    p.values["name"],
                    PERIOD_KIND_LABELS[p.values["kind"]],
                    day_text(p.values["start"]),
                    day_text(p.values["end"]),
                    f"{day_text(p.values['booking_opens_on']) or '—'} → "
                    f"{day_text(p.values['booking_closes_on']) or '—'}",
                    state_text(p.values["archived_on"]),
                )
                for p in snaps
            ],
            [p.id for p in snaps],
        )
        grey_archived(self.periods, [p.values["archived_on"] is not None for p in snaps])
        self.archive_period.follow()
        closures = self.data["closures"].get(key, [])
        fill_table(
            self.closures,
            [(day_text(a), day_text(b), label, who) for _id, a, b, label, who in closures],
            [c[0] for c in closures],
        )

    def _period(self, period_id) -> Snapshot | None:
        snaps = self.data["periods"].get(self.activity.currentData(), [])
        return next((p for p in snaps if p.id == period_id), None)

    def open_period(self, period_id):
        if self.activity.currentData() is None:
            return None
        snap = (self._period(period_id) if period_id else None) or Snapshot()
        return self.open_dialog(
            PeriodDialog(self.db, self.actor, self.runner, snap, self.activity.currentData(), self)
        )

    def open_closure(self):
        key = self.activity.currentData()
        snap = Snapshot(values={"activity_id": key})
        return self.open_dialog(
            ClosureDialog(self.db, self.actor, self.runner, snap, self.data["choices"], self)
        )

    def add_suggested(self) -> None:
        """Public holidays and « ponts » inside the chosen period, not yet closed."""
        period = self._period(selected_key(self.periods))
        key = self.activity.currentData()
        if period is None or key is None:
            self.status.setText("Choisissez d'abord une période dans la liste.")
            return
        closed = [(a, b) for _id, a, b, _l, _w in self.data["closures"].get(key, [])]
        wanted = [
            s
            for s in periods.suggested_closures(period.values["start"], period.values["end"])
            if not any(a <= s.start and s.end <= b for a, b in closed)  # not closed already
        ]
        actor = self.actor

        def work(session):
            for s in wanted:
                periods.save_closure(session, actor, key, s.start, s.end, s.label)
            return len(wanted)

        self.act(work, f"{len(wanted)} jour(s) férié(s) ou pont(s) ajouté(s) aux fermetures.")

    def _delete_period(self) -> None:
        snap = self._period(selected_key(self.periods))
        if snap is not None:
            self.act(
                lambda s: periods.delete_period(s, self.actor, snap.id, snap.version),
                f"Période « {snap.values['code']} » supprimée.",
            )

    def _toggle_archive(self) -> None:
        snap = self._period(selected_key(self.periods))
        if snap is None:
            return
        on, actor = snap.values["archived_on"] is None, self.actor
        self.act(
            lambda s: archive.archive_period(s, actor, snap.id, snap.version, date.today(), on),
            f"Période « {snap.values['code']} » "
            + ("archivée : elle quitte le portail." if on else "de nouveau proposée."),
        )

    def _delete_closure(self) -> None:
        key = selected_key(self.closures)
        if key is not None:
            self.act(lambda s: periods.delete_closure(s, self.actor, key), "Fermeture supprimée.")


def _time_field(value: time) -> QLineEdit:
    edit = QLineEdit(f"{value:%H:%M}")
    edit.setInputMask("99:99")
    edit.setMaximumWidth(70)
    return edit


class RulesPage(CataloguePage):
    title = "Règles de réservation"
    intro = (
        "Comment le portail traite les demandes des familles pour une activité : délai de "
        "réservation et d'annulation (« J-2 à 12:00 »), jours comptés, acceptation automatique "
        "dans la limite des places, et ce qui se passe quand c'est complet."
    )

    def __init__(self, db, actor, runner, parent=None):
        super().__init__(db, actor, runner, parent)
        self.rules: dict[int, Snapshot] = {}
        self.activity = _activity_combo(self)
        self.activity.currentIndexChanged.connect(lambda *_: self._show())
        self.booking_days, self.cancel_days = QSpinBox(), QSpinBox()
        for spin in (self.booking_days, self.cancel_days):
            spin.setRange(0, rules.MAX_NOTICE_DAYS)
            spin.setPrefix("J-")
            spin.setMinimumWidth(70)
        self.booking_time, self.cancel_time = _time_field(time(12)), _time_field(time(12))
        self.skip_weekends = QCheckBox("Ne pas compter les samedis et dimanches")
        self.skip_holidays = QCheckBox("Ne pas compter les jours fériés")
        self.auto_accept = QCheckBox("Accepter automatiquement dans la limite des places")
        self.when_full = QComboBox()
        self.when_full.setMaximumWidth(420)
        for key, label in WHEN_FULL_LABELS.items():
            self.when_full.addItem(label, key)
        self.complete_file = QCheckBox("Inscription seulement avec un dossier complet")
        form = QFormLayout()
        for label, left, right in (
            ("Réserver au plus tard :", self.booking_days, self.booking_time),
            ("Annuler au plus tard :", self.cancel_days, self.cancel_time),
        ):
            row = QHBoxLayout()
            row.addWidget(left)
            row.addWidget(QLabel("à"))
            row.addWidget(right)
            row.addStretch(1)
            form.addRow(label, row)
        form.addRow("", self.skip_weekends)
        form.addRow("", self.skip_holidays)
        form.addRow("", self.auto_accept)
        form.addRow("Quand c'est complet :", self.when_full)
        form.addRow("", self.complete_file)
        self.layout_.addLayout(form)
        self.errors = QLabel()
        self.errors.setWordWrap(True)
        self.errors.setStyleSheet("color: #8a1c1c;")
        self.save_button = QPushButton("Enregistrer la règle")
        self.save_button.clicked.connect(self.save)
        self.layout_.addWidget(self.errors)
        self.layout_.addLayout(button_row(self.save_button))
        self.layout_.addStretch(1)
        self.finish_layout()

    def read(self, session):
        result = []
        for a in activities.list_activities(session, with_archived=False):
            rule = a.rule
            data = (
                rules.RuleInput()
                if rule is None
                else rules.RuleInput(
                    rule.booking_notice_days,
                    rule.booking_notice_time,
                    rule.cancel_notice_days,
                    rule.cancel_notice_time,
                    rule.skip_weekends,
                    rule.skip_public_holidays,
                    rule.auto_accept,
                    rule.when_full,
                    rule.registration_requires_complete_file,
                )
            )
            result.append(
                (
                    a.id,
                    a.name,
                    Snapshot(
                        rule.id if rule else None, rule.version if rule else None, {"rule": data}
                    ),
                )
            )
        return result

    def show_data(self, data) -> None:
        self.rules = {key: snap for key, _name, snap in data}
        _fill_activities(self.activity, [(key, name) for key, name, _snap in data])
        self._show()

    def _show(self) -> None:
        snap = self.rules.get(self.activity.currentData())
        if snap is None:
            return
        r: rules.RuleInput = snap.values["rule"]
        self.booking_days.setValue(r.booking_notice_days)
        self.booking_time.setText(f"{r.booking_notice_time:%H:%M}")
        self.cancel_days.setValue(r.cancel_notice_days)
        self.cancel_time.setText(f"{r.cancel_notice_time:%H:%M}")
        self.skip_weekends.setChecked(r.skip_weekends)
        self.skip_holidays.setChecked(r.skip_public_holidays)
        self.auto_accept.setChecked(r.auto_accept)
        self.when_full.setCurrentIndex(self.when_full.findData(r.when_full))
        self.complete_file.setChecked(r.registration_requires_complete_file)
        self.errors.clear()

    def _time(self, edit: QLineEdit, label: str, errors: list[str]) -> time:
        try:
            hours, minutes = (int(part) for part in edit.text().split(":"))
            return time(hours, minutes)
        except ValueError:
            errors.append(f"{label} : heure « {edit.text()} » invalide (hh:mm).")
            return time(12)

    def save(self) -> None:
        key = self.activity.currentData()
        snap = self.rules.get(key)
        if key is None or snap is None:
            return
        errors: list[str] = []
        data = rules.RuleInput(
            self.booking_days.value(),
            self._time(self.booking_time, "Réservation", errors),
            self.cancel_days.value(),
            self._time(self.cancel_time, "Annulation", errors),
            self.skip_weekends.isChecked(),
            self.skip_holidays.isChecked(),
            self.auto_accept.isChecked(),
            WhenFull(self.when_full.currentData()),
            self.complete_file.isChecked(),
        )
        if errors:
            self.errors.setText("\n".join(errors))
            return
        actor, version, notice = (
            self.actor,
            snap.version,
            rules.notice_text(data.booking_notice_days, data.booking_notice_time),
        )
        self.act(
            lambda s: rules.save_rule(s, actor, key, data, version),
            f"Règle enregistrée (réservation {notice}) ; envoyée au portail à la prochaine "
            "synchronisation.",
        )
