"""The account actions bar of a family: state, pending login change, the four actions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.models import AccountState, Family, OutboxItem
from backoffice.services.common.actors import current_actor
from backoffice.ui.accounts import AccountActionsBar
from backoffice.ui.accounts.actions import DisableAccountDialog, ask_disable_reason
from backoffice.ui.qt import Qt


@pytest.fixture
def actor(small_db):
    with small_db.session() as s:
        return current_actor(s, "mhuet")


def make_bar(qtbot, db, actor, family_id) -> AccountActionsBar:
    bar = AccountActionsBar(db, actor, family_id)
    qtbot.addWidget(bar)
    bar.show()
    qtbot.waitExposed(bar)
    return bar


def shown_buttons(bar) -> list[str]:
    return [b.text() for b in bar.buttons() if b.isVisible()]


def state_of(db, family_id) -> AccountState:
    with db.session() as s:
        return s.get(Family, family_id).account_state


def topics(db, family_id) -> list[tuple[str, dict]]:
    with db.session() as s:
        items = s.scalars(
            select(OutboxItem).where(OutboxItem.family_id == family_id).order_by(OutboxItem.id)
        )
        return [(i.topic, i.payload) for i in items]


def test_buttons_follow_the_account_state(qtbot, small_db, family_ids, actor):
    active = make_bar(qtbot, small_db, actor, family_ids["F00001"])
    assert (
        "Compte portail : " in active.state_label.text() and ">Actif<" in active.state_label.text()
    )
    assert shown_buttons(active) == ["Réinitialiser le mot de passe", "Désactiver le compte…"]
    awaiting = make_bar(qtbot, small_db, actor, family_ids["F00003"])
    assert "En attente d'activation" in awaiting.state_label.text()
    assert shown_buttons(awaiting) == ["Renvoyer le lien d'activation", "Désactiver le compte…"]
    assert not awaiting.pending_label.isVisible()


def test_disable_after_confirmation_then_reactivate(qtbot, small_db, family_ids, actor, no_dialogs):
    family_id = family_ids["F00001"]
    bar = make_bar(qtbot, small_db, actor, family_id)
    asked = []
    bar.ask_disable_reason = lambda parent, label: asked.append(label) or "déménagement"
    with qtbot.waitSignal(bar.changed, timeout=30_000):
        qtbot.mouseClick(bar.disable_button, Qt.MouseButton.LeftButton)
    assert asked == ["MARTIN (F00001)"]
    assert state_of(small_db, family_id) is AccountState.DISABLED
    assert topics(small_db, family_id)[-1] == (
        "account.disable",
        {"family_code": "F00001", "reason": "déménagement"},
    )
    assert ">Désactivé<" in bar.state_label.text()
    assert shown_buttons(bar) == ["Réactiver le compte"]
    assert no_dialogs[-1].kind == "information" and "est désactivé" in no_dialogs[-1].text

    with qtbot.waitSignal(bar.changed, timeout=30_000):
        qtbot.mouseClick(bar.reactivate_button, Qt.MouseButton.LeftButton)
    # The parent never activated the portal account: back to awaiting activation.
    assert state_of(small_db, family_id) is AccountState.AWAITING_ACTIVATION
    assert topics(small_db, family_id)[-1][0] == "account.reactivate"
    assert shown_buttons(bar) == ["Renvoyer le lien d'activation", "Désactiver le compte…"]
    assert "est réactivé" in no_dialogs[-1].text


def test_cancelled_confirmation_disables_nothing(qtbot, small_db, family_ids, actor, no_dialogs):
    bar = make_bar(qtbot, small_db, actor, family_ids["F00001"])
    # Dialogs off: the question is recorded and, unanswered, nothing happens.
    qtbot.mouseClick(bar.disable_button, Qt.MouseButton.LeftButton)
    assert [(d.kind, d.title) for d in no_dialogs] == [("question", "Désactiver le compte portail")]
    assert state_of(small_db, family_ids["F00001"]) is AccountState.ACTIVE
    assert topics(small_db, family_ids["F00001"]) == []


def test_the_confirmation_dialog_returns_the_reason(qtbot):
    dialog = DisableAccountDialog("MARTIN (F00001)")
    qtbot.addWidget(dialog)
    assert dialog.message.text().startswith(
        "Désactiver le compte portail de la famille MARTIN (F00001) ?"
    )
    qtbot.keyClicks(dialog.reason, "doublon")
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.reason.text() == "doublon"


def test_resend_activation_and_password_reset(qtbot, small_db, family_ids, actor, no_dialogs):
    awaiting = make_bar(qtbot, small_db, actor, family_ids["F00003"])
    with qtbot.waitSignal(awaiting.changed, timeout=30_000):
        qtbot.mouseClick(awaiting.resend_button, Qt.MouseButton.LeftButton)
    assert topics(small_db, family_ids["F00003"]) == [
        ("account.send_activation", {"family_code": "F00003"})
    ]
    assert "sera renvoyé par le portail" in no_dialogs[-1].text
    active = make_bar(qtbot, small_db, actor, family_ids["F00001"])
    qtbot.mouseClick(active.reset_button, Qt.MouseButton.LeftButton)
    assert topics(small_db, family_ids["F00001"])[-1][0] == "account.send_password_reset"
    # A refused action says why in French (here: resending to an active account).
    with qtbot.waitSignal(active.changed, timeout=30_000):
        active.resend_activation()
    assert no_dialogs[-1].kind == "warning" and "déjà activé" in no_dialogs[-1].text


def test_pending_login_change_is_visible_until_confirmed(qtbot, small_db, family_ids, actor):
    family_id = family_ids["F00002"]
    with small_db.session() as s:
        s.get(Family, family_id).pending_login_email = "ines.durand@nouveau.fr"
    bar = make_bar(qtbot, small_db, actor, family_id)
    assert bar.pending_label.isVisible()
    assert bar.pending_label.text() == (
        "Changement d'identifiant en attente : nouvelle adresse ines.durand@nouveau.fr (non confirmée)"
    )
    assert "Identifiant : f00002@example.org" in bar.state_label.text()
    with small_db.session() as s:
        family = s.get(Family, family_id)
        family.login_email, family.pending_login_email = family.pending_login_email, None
    bar.refresh()
    assert not bar.pending_label.isVisible()
    assert "Identifiant : ines.durand@nouveau.fr" in bar.state_label.text()


def test_unattended_question_is_a_cancel(no_dialogs):
    assert ask_disable_reason(None, "MARTIN (F00001)") is None
    assert no_dialogs[-1].text == "Désactiver le compte de MARTIN (F00001) ?"
