"""The desk's filters bar: type, régie, site, activity, period, days, family; grouping.

``changed`` fires at once for a list or a date, after a short pause for the
family text (debounced); :meth:`FiltersBar.current` is the
:class:`~backoffice.services.requests.queue.RequestFilter` they describe.
"""

from __future__ import annotations

from datetime import date

from backoffice.models import REQUEST_KIND_LABELS, RequestKind
from backoffice.services.requests.queue import (
    GROUPING_LABELS,
    Choice,
    DeskChoices,
    Grouping,
    RequestFilter,
)
from backoffice.ui.qt import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    Qt,
    QTimer,
    QWidget,
    Signal,
)
from backoffice.ui.widgets.dates import DateField

TEXT_DELAY_MS = 150
ANY = "Tous"


class TextField(QLineEdit):
    """The family text; Down hands the focus to the list."""

    toResults = Signal()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() in (
            Qt.Key.Key_Down,
            Qt.Key.Key_PageDown,
            Qt.Key.Key_Return,
            Qt.Key.Key_Enter,
        ):
            self.toResults.emit()
            return
        super().keyPressEvent(event)


def _combo(name: str, tooltip: str) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    combo.setToolTip(tooltip)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(14)
    return combo


class FiltersBar(QWidget):
    changed = Signal()
    groupingChanged = Signal()
    toResults = Signal()

    def __init__(self, today: date, parent: QWidget | None = None):
        super().__init__(parent)
        self.kind = _combo("Type de demande", "Type de demande")
        self.kind.addItem("Tous les types", None)
        for kind in RequestKind:
            self.kind.addItem(REQUEST_KIND_LABELS[kind], kind)
        self.regie = _combo("Régie", "Régie")
        self.site = _combo("Site", "Établissement (site)")
        self.activity = _combo("Activité", "Activité")
        self.period = _combo("Période", "Période")
        self.period.setMinimumContentsLength(22)
        self.date_from = DateField(today=today)
        self.date_from.setToolTip("Demandes portant sur un jour à partir de cette date")
        self.date_from.setAccessibleName("Jours à partir du")
        self.date_to = DateField(today=today)
        self.date_to.setToolTip("Demandes portant sur un jour jusqu'à cette date")
        self.date_to.setAccessibleName("Jours jusqu'au")
        self.text = TextField()
        self.text.setPlaceholderText("Famille : nom, identifiant, prénom d'un enfant (Ctrl+F)")
        self.text.setClearButtonEnabled(True)
        self.text.setAccessibleName("Recherche de famille")
        self.grouping = _combo("Regroupement", "Regrouper les demandes (touche G)")
        for grouping, label in GROUPING_LABELS.items():
            self.grouping.addItem(label, grouping)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(TEXT_DELAY_MS)
        self._debounce.timeout.connect(self.changed)
        self.text.textChanged.connect(self._debounce.start)
        self.text.toResults.connect(self._to_results)
        for combo in (self.kind, self.regie, self.site, self.activity, self.period):
            combo.currentIndexChanged.connect(self.changed)
        for field in (self.date_from, self.date_to):
            field.editingFinished.connect(self.changed)
        self.grouping.currentIndexChanged.connect(self.groupingChanged)

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        first = [
            ("Type", self.kind),
            ("Régie", self.regie),
            ("Site", self.site),
            ("Activité", self.activity),
        ]
        for column, (label, widget) in enumerate(first):
            grid.addWidget(_label(label, widget), 0, 2 * column)
            grid.addWidget(widget, 0, 2 * column + 1)
        dates = QHBoxLayout()
        dates.addWidget(self.date_from)
        dates.addWidget(_label("au", self.date_to))
        dates.addWidget(self.date_to)
        grid.addWidget(_label("Période", self.period), 1, 0)
        grid.addWidget(self.period, 1, 1, 1, 3)
        grid.addWidget(_label("Jours du", self.date_from), 1, 4)
        grid.addLayout(dates, 1, 5)
        grid.addWidget(_label("Regrouper", self.grouping), 1, 6)
        grid.addWidget(self.grouping, 1, 7)
        grid.addWidget(_label("Famille", self.text), 2, 0)
        grid.addWidget(self.text, 2, 1, 1, 7)
        for column in (1, 3, 5, 7):
            grid.setColumnStretch(column, 1)

    def set_choices(self, choices: DeskChoices) -> None:
        for combo, items, any_label in (
            (self.regie, choices.regies, "Toutes les régies"),
            (self.site, choices.sites, "Tous les sites"),
            (self.activity, choices.activities, "Toutes les activités"),
            (self.period, choices.periods, "Toutes les périodes"),
        ):
            _fill(combo, items, any_label)

    def current(self) -> RequestFilter:
        return RequestFilter(
            kind=RequestKind(kind) if (kind := self.kind.currentData()) else None,
            regie_id=self.regie.currentData(),
            site_id=self.site.currentData(),
            activity_id=self.activity.currentData(),
            period_id=self.period.currentData(),
            date_from=self.date_from.date(),
            date_to=self.date_to.date(),
            text=self.text.text(),
        )

    def current_grouping(self) -> Grouping:
        return Grouping(self.grouping.currentData() or Grouping.NONE)

    def set_grouping(self, grouping: Grouping) -> None:
        self.grouping.setCurrentIndex(self.grouping.findData(grouping))

    def next_grouping(self) -> None:
        self.grouping.setCurrentIndex((self.grouping.currentIndex() + 1) % self.grouping.count())

    def select(self, combo: QComboBox, value) -> None:
        """Choose ``value`` (an id) in ``combo`` (tests, keyboard)."""
        combo.setCurrentIndex(max(combo.findData(value), 0))

    def flush_text(self) -> None:
        """Apply a pending text change now."""
        if self._debounce.isActive():
            self._debounce.stop()
            self.changed.emit()

    def _to_results(self) -> None:
        self.flush_text()
        self.toResults.emit()


def _label(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(buddy)
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return label


def _fill(combo: QComboBox, items: tuple[Choice, ...], any_label: str) -> None:
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    combo.addItem(any_label, None)
    for item in items:
        combo.addItem(item.name, item.id)
    index = combo.findData(current) if current is not None else 0
    combo.setCurrentIndex(max(index, 0))
    combo.blockSignals(False)
