"""The postcode and commune field, completed from the BAN postcode data.

Typing "728" in the postcode proposes "72800 Le Lude", "72800 Aubigné-Racan"…;
typing "lude" (in either box) proposes the communes whose name starts so.
Choosing one fills both boxes. A postcode with a single commune fills the
commune by itself; with several, the commune box proposes them as soon as it
gets the focus, and typing there filters them. The suggestion list is as wide
as its longest suggestion, whatever the width of the box it completes.
"""

from __future__ import annotations

from backoffice.services.common import postcodes
from backoffice.services.common.postcodes import Commune
from backoffice.text import fold
from backoffice.ui.qt import (
    QCompleter,
    QEvent,
    QHBoxLayout,
    QLineEdit,
    QModelIndex,
    QObject,
    QStandardItem,
    QStandardItemModel,
    Qt,
    QWidget,
    Signal,
)
from backoffice.ui.widgets.form_field import set_invalid

COMPLETION_LIMIT = 20
# What a picked proposal puts in its own line edit (the popup shows "72800 Le Lude").
COMPLETION_ROLE = Qt.ItemDataRole.UserRole + 1
# Room around the longest suggestion: the list's frame and the item's margins.
POPUP_PADDING = 24


def search_communes(text: str, limit: int = COMPLETION_LIMIT) -> list[Commune]:
    return postcodes.complete(text, limit)


def label(commune: Commune) -> str:
    return f"{commune.postcode} {commune.name}"


class PostcodeCommuneField(QWidget):
    """Two line edits (postcode, commune) sharing one completion."""

    chosen = Signal(str, str)  # postcode, commune — after a completion was picked

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.postcode_edit = QLineEdit()
        self.postcode_edit.setPlaceholderText("72800")
        self.postcode_edit.setMaxLength(40)  # a commune name may be typed here too
        self.postcode_edit.setAccessibleName("Code postal")
        width = self.postcode_edit.fontMetrics().horizontalAdvance("000000") + 24
        self.postcode_edit.setFixedWidth(width)
        self.commune_edit = QLineEdit()
        self.commune_edit.setPlaceholderText("Commune")
        self.commune_edit.setMaxLength(80)
        self.commune_edit.setAccessibleName("Commune")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.postcode_edit)
        layout.addWidget(self.commune_edit, 1)
        self.setFocusProxy(self.postcode_edit)
        self._choices: dict[str, Commune] = {}
        self._suggested: list[str] = []
        self.postcode_completer = self._completer(self.postcode_edit, "postcode")
        self.commune_completer = self._completer(self.commune_edit, "name")
        self.postcode_edit.textEdited.connect(self._postcode_edited)
        self.commune_edit.textEdited.connect(self._commune_edited)
        self.postcode_edit.editingFinished.connect(self._fill_lone_commune)
        self.commune_edit.installEventFilter(self)

    def _completer(self, edit: QLineEdit, attribute: str) -> QCompleter:
        model = QStandardItemModel(self)
        model.setProperty("completes", attribute)
        completer = QCompleter(model, self)
        # The list is already filtered (accents and case folded) by the postcodes service.
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        completer.setCompletionRole(COMPLETION_ROLE)
        completer.setMaxVisibleItems(10)
        edit.setCompleter(completer)
        completer.activated[QModelIndex].connect(self._choose)
        return completer

    # --- what the form reads -------------------------------------------------------

    def postcode(self) -> str:
        return self.postcode_edit.text().strip()

    def commune(self) -> str:
        return self.commune_edit.text().strip()

    def set_value(self, postcode: str, commune: str) -> None:
        self.postcode_edit.setText(postcode)
        self.commune_edit.setText(commune)

    def set_invalid(self, invalid: bool) -> None:
        set_invalid(self.postcode_edit, invalid)
        set_invalid(self.commune_edit, invalid)
        self.setProperty("invalid", invalid)

    def suggestions(self) -> list[str]:
        """What the last completion list offered ("72800 Le Lude"…)."""
        return list(self._suggested)

    # --- completion ----------------------------------------------------------------

    def _propose(self, completer: QCompleter, communes: list[Commune]) -> None:
        model = completer.model()
        attribute = model.property("completes")
        model.clear()
        for commune in communes:
            item = QStandardItem(label(commune))
            item.setData(getattr(commune, attribute), COMPLETION_ROLE)
            item.setEditable(False)
            model.appendRow(item)
            self._choices[label(commune)] = commune
        self._suggested = [label(c) for c in communes]
        self._widen_popup(completer)
        if communes and completer.widget() is not None and completer.widget().hasFocus():
            completer.complete()
        else:
            completer.popup().hide()

    def _widen_popup(self, completer: QCompleter) -> None:
        """At least as wide as the longest suggestion: the completer sizes its list to
        the box it completes, and the postcode box is narrow (« 72800 L… » otherwise)."""
        popup = completer.popup()
        metrics = popup.fontMetrics()
        longest = max((metrics.horizontalAdvance(text) for text in self._suggested), default=0)
        scroll_bar = 0
        if len(self._suggested) > completer.maxVisibleItems():
            scroll_bar = popup.verticalScrollBar().sizeHint().width()
        popup.setMinimumWidth(longest + scroll_bar + 2 * popup.frameWidth() + POPUP_PADDING)

    def _postcode_edited(self, text: str) -> None:
        self._propose(self.postcode_completer, search_communes(text))
        self._fill_lone_commune()

    def communes_of_postcode(self) -> tuple[Commune, ...]:
        """The communes of the postcode typed, when it is a whole one."""
        code = self.postcode()
        return postcodes.communes_for_postcode(code) if len(code) == 5 and code.isdigit() else ()

    def _commune_edited(self, text: str) -> None:
        candidates = self.communes_of_postcode()
        if candidates:
            folded = fold(text)
            hits = [c for c in candidates if folded in fold(c.name)]
        else:
            hits = search_communes(text)
        self._propose(self.commune_completer, hits)

    def _choose(self, index: QModelIndex) -> None:
        commune = self._choices.get(index.data(Qt.ItemDataRole.DisplayRole))
        if commune is None:
            return
        self.set_value(commune.postcode, commune.name)
        self.chosen.emit(commune.postcode, commune.name)

    def _fill_lone_commune(self) -> None:
        """A postcode with one commune names it: no need to choose."""
        candidates = self.communes_of_postcode()
        names = {fold(c.name) for c in candidates}
        if len(candidates) == 1 and fold(self.commune()) not in names:
            self.commune_edit.setText(candidates[0].name)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if (
            watched is self.commune_edit
            and event.type() == QEvent.Type.FocusIn
            and not self.commune()
        ):
            candidates = self.communes_of_postcode()
            if len(candidates) > 1:
                self._propose(self.commune_completer, list(candidates))
        return super().eventFilter(watched, event)
