"""The portal account of one family: its state, and what an agent can do with it.

Each button is one service call in its own unit of work; the bar then says what
happened in French, reloads itself and emits ``changed`` so the family view can
refresh too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from backoffice.errors import UserError
from backoffice.models import ACCOUNT_STATE_LABELS, AccountState, Family
from backoffice.services.common.actors import Actor
from backoffice.services.families import accounts
from backoffice.storage import Database
from backoffice.ui import dialogs
from backoffice.ui.qt import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)

STATE_COLOURS = {
    AccountState.FORM_RECEIVED: "#8a5a00",
    AccountState.AWAITING_ACTIVATION: "#1f5fa8",
    AccountState.ACTIVE: "#1e7b34",
    AccountState.DISABLED: "#666666",
}


@dataclass(frozen=True)
class AccountStatus:
    code: str
    name: str
    state: AccountState
    login_email: str
    pending_login_email: str | None


def load_status(db: Database, family_id: int) -> AccountStatus | None:
    with db.session() as session:
        family = session.get(Family, family_id)
        if family is None:
            return None
        return AccountStatus(
            family.code,
            family.name,
            family.account_state,
            family.login_email,
            family.pending_login_email,
        )


class DisableAccountDialog(QDialog):
    """Confirmation of a deactivation, with an optional reason."""

    def __init__(self, family_label: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Désactiver le compte portail")
        layout = QVBoxLayout(self)
        self.message = QLabel(
            f"Désactiver le compte portail de la famille {family_label} ?\n"
            "Les parents ne pourront plus se connecter au portail. Le dossier de la famille"
            " est conservé et le compte pourra être réactivé."
        )
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addWidget(QLabel("Motif (facultatif) :"))
        self.reason = QLineEdit()
        self.reason.setMaxLength(200)
        self.reason.setPlaceholderText("ex. déménagement hors du territoire")
        layout.addWidget(self.reason)
        buttons = QDialogButtonBox()
        self.confirm_button = buttons.addButton(
            "Désactiver le compte", QDialogButtonBox.ButtonRole.AcceptRole
        )
        cancel = buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)


def ask_disable_reason(parent: QWidget | None, family_label: str) -> str | None:
    """The reason typed (possibly empty) once confirmed; None when cancelled.

    Through the dialogs factory: with dialogs switched off nothing is disabled.
    """
    built: list[DisableAccountDialog] = []

    def build() -> DisableAccountDialog:
        built.append(DisableAccountDialog(family_label, parent))
        return built[0]

    record = dialogs.DialogRecord(
        "question", "Désactiver le compte portail", f"Désactiver le compte de {family_label} ?"
    )
    shown = dialogs.show(record, build)
    if shown is None or shown.result() != QDialog.DialogCode.Accepted:
        return None
    return built[0].reason.text().strip()


class AccountActionsBar(QWidget):
    """State of the family's portal account and the buttons that apply to it."""

    changed = Signal()

    def __init__(self, db: Database, actor: Actor, family_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.family_id = family_id
        self.status: AccountStatus | None = None
        # Replaceable (tests, scripts): asks the agent to confirm, returns the reason or None.
        self.ask_disable_reason: Callable[[QWidget | None, str], str | None] = ask_disable_reason

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        texts = QVBoxLayout()
        texts.setSpacing(2)
        self.state_label = QLabel()
        self.state_label.setTextFormat(Qt.TextFormat.RichText)
        self.state_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pending_label = QLabel()
        self.pending_label.setWordWrap(True)
        self.pending_label.setStyleSheet("color: #8a5a00;")
        self.pending_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        texts.addWidget(self.state_label)
        texts.addWidget(self.pending_label)
        layout.addLayout(texts, 1)
        self.resend_button = self._button("Renvoyer le lien d'activation", self.resend_activation)
        self.reset_button = self._button("Réinitialiser le mot de passe", self.reset_password)
        self.disable_button = self._button("Désactiver le compte…", self.disable)
        self.reactivate_button = self._button("Réactiver le compte", self.reactivate)
        for button in self.buttons():
            layout.addWidget(button)
        self.refresh()

    def _button(self, text: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    def buttons(self) -> list[QPushButton]:
        return [self.resend_button, self.reset_button, self.disable_button, self.reactivate_button]

    def refresh(self) -> None:
        self.status = status = load_status(self.db, self.family_id)
        if status is None:
            self.state_label.setText("<b>Famille introuvable</b>")
            self.pending_label.hide()
            for button in self.buttons():
                button.hide()
            return
        colour = STATE_COLOURS[status.state]
        login = escape(status.login_email) if status.login_email else "aucun"
        paper = status.state is AccountState.FORM_RECEIVED and not status.login_email
        label = "Famille sans portail (papier seulement)" if paper else ""
        self.state_label.setText(
            f"Compte portail : <b style='color:{colour}'>"
            f"{label or ACCOUNT_STATE_LABELS[status.state]}</b>"
            f" &nbsp;·&nbsp; Identifiant : {login}"
        )
        if paper:
            self.pending_label.setText(accounts.PAPER_ONLY_NOTE)
            self.pending_label.show()
        elif status.pending_login_email:
            self.pending_label.setText(
                "Changement d'identifiant en attente : nouvelle adresse "
                f"{status.pending_login_email} (non confirmée)"
            )
            self.pending_label.show()
        else:
            self.pending_label.clear()
            self.pending_label.hide()
        state = status.state
        self.resend_button.setVisible(state is AccountState.AWAITING_ACTIVATION)
        self.reset_button.setVisible(state is AccountState.ACTIVE)
        self.disable_button.setVisible(state is not AccountState.DISABLED and not paper)
        self.reactivate_button.setVisible(state is AccountState.DISABLED)

    def _family_label(self) -> str:
        return f"{self.status.name} ({self.status.code})" if self.status else str(self.family_id)

    def _run(self, action: Callable[..., None], confirmation: str, *args) -> None:
        try:
            with self.db.session() as session:
                action(session, self.actor, self.family_id, *args)
        except UserError as exc:
            dialogs.warning(self, str(exc))
        else:
            dialogs.information(self, confirmation)
        self.refresh()
        self.changed.emit()

    def resend_activation(self) -> None:
        self._run(
            accounts.resend_activation,
            f"Le lien d'activation de la famille {self._family_label()} sera renvoyé par le portail"
            " à la prochaine synchronisation.",
        )

    def reset_password(self) -> None:
        self._run(
            accounts.send_password_reset,
            f"Un lien de réinitialisation du mot de passe sera envoyé à la famille"
            f" {self._family_label()} par le portail à la prochaine synchronisation.",
        )

    def disable(self) -> None:
        reason = self.ask_disable_reason(self, self._family_label())
        if reason is None:
            return
        self._run(
            accounts.disable_account,
            f"Le compte portail de la famille {self._family_label()} est désactivé.",
            reason,
        )

    def reactivate(self) -> None:
        self._run(
            accounts.reactivate_account,
            f"Le compte portail de la famille {self._family_label()} est réactivé.",
        )
