"""Accept or refuse the selection: the answer parents will read, a reason when
refusing (from the list or typed), billed or not for late cancellations.

Opened window-modal without blocking (``open()``); Enter validates, Escape
cancels; the list of reasons has the focus when refusing (arrows choose)."""

from __future__ import annotations

from backoffice.services.requests.desk import Decision
from backoffice.services.requests.side_panel import REFUSAL_REASONS
from backoffice.ui.qt import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QRadioButton,
    Qt,
    QVBoxLayout,
    QWidget,
)

OTHER_REASON = "Autre motif (précisez ci-dessous)"


class DecisionDialog(QDialog):
    def __init__(
        self,
        accept: bool,
        summary: str,
        late_cancellations: int = 0,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.accepting = accept
        self.setWindowTitle("Accepter les demandes" if accept else "Refuser les demandes")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        intro = QLabel(summary)
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.reasons = QListWidget()
        self.reasons.setAccessibleName("Motif du refus")
        self.details = QPlainTextEdit()
        self.details.setTabChangesFocus(True)
        self.details.setMaximumHeight(80)
        self.billed_box = QGroupBox("Annulations hors délai")
        self.billed = QRadioButton("Facturer (absence non justifiée)")
        self.not_billed = QRadioButton("Ne pas facturer (absence justifiée, certificat…)")
        self._billed_group = QButtonGroup(self)
        self._billed_group.addButton(self.billed)
        self._billed_group.addButton(self.not_billed)
        self.billed.setChecked(True)
        billed_layout = QVBoxLayout(self.billed_box)
        if late_cancellations == 1:
            text = "1 annulation demandée après le délai d'annulation de l'activité."
        else:
            text = (
                f"{late_cancellations} annulations demandées après le délai d'annulation "
                "de l'activité."
            )
        late = QLabel(text)
        late.setWordWrap(True)
        billed_layout.addWidget(late)
        billed_layout.addWidget(self.billed)
        billed_layout.addWidget(self.not_billed)
        self.billed_box.setVisible(accept and late_cancellations > 0)

        if accept:
            layout.addWidget(QLabel("Message aux parents (facultatif) :"))
            self.details.setPlaceholderText("Ex. : À bientôt au centre de loisirs !")
            self.reasons.hide()
        else:
            layout.addWidget(QLabel("Motif du refus (lu par les parents) :"))
            self.reasons.addItems([*REFUSAL_REASONS, OTHER_REASON])
            self.reasons.setCurrentRow(0)
            self.reasons.setMinimumHeight(
                self.reasons.sizeHintForRow(0) * (len(REFUSAL_REASONS) + 1) + 6
            )
            layout.addWidget(self.reasons)
            layout.addWidget(QLabel("Précisions (facultatif) :"))
            self.details.setPlaceholderText("Ajoutées au motif choisi")
        layout.addWidget(self.details)
        layout.addWidget(self.billed_box)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b22222")
        self.error.hide()
        layout.addWidget(self.error)

        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton(
            "Accepter" if accept else "Refuser", QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        self.ok_button.setDefault(True)
        buttons.accepted.connect(self._validate)
        buttons.rejected.connect(self.reject)
        self.reasons.itemActivated.connect(lambda _item: self._validate())
        layout.addWidget(buttons)
        self._first_focus = self.reasons if not accept else self.ok_button

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self._first_focus.setFocus(Qt.FocusReason.OtherFocusReason)

    def decision(self) -> Decision:
        text = self.details.toPlainText().strip()
        if not self.accepting:
            item = self.reasons.currentItem()
            reason = item.text() if item is not None else ""
            if reason and reason != OTHER_REASON:
                text = f"{reason} : {text}" if text else reason
        billed = None
        if self.billed_box.isVisibleTo(self):
            billed = self.billed.isChecked()
        return Decision(self.accepting, text, billed)

    def choose_reason(self, reason: str) -> None:
        matches = self.reasons.findItems(reason, Qt.MatchFlag.MatchExactly)
        if matches:
            self.reasons.setCurrentItem(matches[0])

    def _validate(self) -> None:
        if not self.accepting and not self.decision().text:
            self.error.setText("Indiquez le motif du refus : les parents le liront.")
            self.error.show()
            self.details.setFocus()
            return
        self.accept()
