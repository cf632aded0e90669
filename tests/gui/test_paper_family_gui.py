"""Issue #15 items 2 and 3 at the desk, on a 1280×800 main window in French: a family
opened without an e-mail (paper only, no portal account, said clearly), a second child
added, a child who left, then an e-mail given later and the activation e-mail sent by the
real portal (loopback) to the SMTP sink."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

TESTS = Path(__file__).resolve().parent.parent
if "portal_testkit" not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        "portal_testkit", TESTS / "portal_api" / "portal_testkit.py"
    )
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["portal_testkit"] = _module
    _spec.loader.exec_module(_module)
for _folder in ("sync", "billing"):
    if str(TESTS / _folder) not in sys.path:
        sys.path.insert(0, str(TESTS / _folder))

from portal_testkit import portal, smtp_sink  # noqa: E402,F401
from sync_helpers import make_client  # noqa: E402

from backoffice.models import AccountState, Child, Family, OutboxItem  # noqa: E402
from backoffice.sync import run_round  # noqa: E402
from backoffice.ui.accounts.children import AddChildDialog, ChildLeftDialog  # noqa: E402
from backoffice.ui.qt import Qt  # noqa: E402

from .conftest import TODAY  # noqa: E402
from .test_open_account import choose_commune, fill_child, fill_guardian, type_into  # noqa: E402

pytestmark = pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing")
EMAIL = "odile.chevallier@example.org"


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_paper_family_children_then_portal_account(
    qtbot,
    desk_window,
    sqlite_db,
    agent,
    no_dialogs,
    portal,
    smtp_sink,  # noqa: F811
):
    window = desk_window(sqlite_db, agent)
    assert (window.width(), window.height()) == (1280, 800)

    # 1. The mailed form has no e-mail: the dialog says what that means, and opens it.
    dialog = window.open_account()
    qtbot.waitExposed(dialog)
    type_into(qtbot, dialog.family_name, "CHEVALLIER")
    type_into(qtbot, dialog.address_line1, "La Grange Neuve")
    choose_commune(qtbot, dialog.commune, "728", "72800 Le Lude")
    type_into(qtbot, dialog.phone, "0243940099")
    assert dialog.paper_note.isVisible() and "famille sans portail" in dialog.paper_note.text()
    type_into(qtbot, dialog.login_email, "x")
    assert not dialog.paper_note.isVisible()  # an address: the usual portal account
    dialog.login_email.clear()
    assert dialog.paper_note.isVisible()
    fill_guardian(qtbot, dialog.guardian1, first_name="Odile")
    fill_child(qtbot, dialog.children_section.rows[0], "Tom", "G", "11/02/2019")
    type_into(qtbot, dialog.allowance.number, "7654321")
    with qtbot.waitSignal(dialog.account_opened, timeout=30_000) as opened:
        click(qtbot, dialog.save_button)
    family_id = opened.args[0]
    said = no_dialogs[-1]
    assert said.kind == "information" and "Famille sans portail (papier seulement)" in said.text
    assert "en attente d'activation" not in said.text
    with sqlite_db.session() as s:
        family = s.get(Family, family_id)
        assert family.account_state is AccountState.FORM_RECEIVED and family.login_email == ""
        assert s.scalars(select(OutboxItem)).all() == []  # nothing for the portal

    view = window.families.open_family(family_id)
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30_000)
    bar = view.account_bar
    assert "Famille sans portail (papier seulement)" in bar.state_label.text()
    assert bar.pending_label.isVisible() and "par courrier" in bar.pending_label.text()
    assert [b for b in bar.buttons() if b.isVisible()] == []  # no portal account to act on

    # 2. A second child: the opening's child row, its checks.
    click(qtbot, view.add_child_button)
    add = view.children_dialog_shown
    assert isinstance(add, AddChildDialog) and add.isVisible()
    click(qtbot, add.save_button)  # empty row: refused, said on the row
    assert "Prénom" in add.row.error.text()
    fill_child(qtbot, add.row, "Léa", "F", "02/10/2026")
    no_dialogs.clear()
    with qtbot.waitSignal(add.child_added, timeout=30_000):
        click(qtbot, add.save_button)
    assert "Léa CHEVALLIER est ajouté(e)" in no_dialogs[-1].text
    qtbot.waitUntil(lambda: len(view.detail.children) == 2, timeout=30_000)
    assert "Léa" in view.browser.toPlainText()

    # 3. Tom left (moved to his father's): gone from the card, kept in the database.
    click(qtbot, view.child_left_button)
    left = view.children_dialog_shown
    assert isinstance(left, ChildLeftDialog)
    assert [left.child.itemText(i) for i in range(left.child.count())] == [
        "Tom CHEVALLIER",
        "Léa CHEVALLIER",
    ]
    left.child.setCurrentIndex(0)
    assert left.ahead.text() == "Aucune réservation à venir."
    with qtbot.waitSignal(left.child_left, timeout=30_000):
        click(qtbot, left.confirm_button)
    qtbot.waitUntil(lambda: len(view.detail.children) == 1, timeout=30_000)
    assert "Tom" not in view.browser.toPlainText()
    with sqlite_db.session() as s:
        tom = s.scalar(select(Child).where(Child.first_name == "Tom"))
        assert tom.left_on == TODAY

    # 4. Later the family gives an address: « Modifier la famille » creates the account.
    click(qtbot, view.edit_button)
    edit = view.edit_dialog
    qtbot.waitUntil(lambda: edit.version is not None, timeout=30_000)
    section = edit.family_section
    assert "Famille sans portail" in section.login_hint.text()
    type_into(qtbot, section.login_email, EMAIL)
    click(qtbot, edit.save_button)
    qtbot.waitUntil(lambda: view.edit_dialog is None, timeout=30_000)
    with sqlite_db.session() as s:
        family = s.get(Family, family_id)
        assert (family.account_state, family.login_email) == (
            AccountState.AWAITING_ACTIVATION,
            EMAIL,
        )
    qtbot.waitUntil(lambda: "En attente d'activation" in bar.state_label.text(), timeout=30_000)

    with make_client(portal) as client:
        report = run_round(sqlite_db, client)
    assert report.ok, report.error
    assert report.push.by_topic == {"account.upsert": 1, "account.send_activation": 1}
    [mail] = smtp_sink.to(EMAIL)
    assert "création de votre compte" in mail.subject
    held = portal.staff("GET", f"/staff/families/{family.code}").json()
    assert held["account"]["state"] == "awaiting_activation"


def test_paper_invoices_from_the_familles_menu(qtbot, desk_window, sqlite_db, no_dialogs, tmp_path):
    """The invoices of families without the portal, in one PDF, from « Familles »."""
    import pypdf
    from billing_world import build

    import backoffice.services.billing  # noqa: F401  (ORM guards)
    from backoffice.models import Role
    from backoffice.services.billing.runs import issue_run
    from backoffice.ui import files

    from .conftest import add_agent

    with sqlite_db.session() as s:
        build(s)
    accountant = add_agent(sqlite_db, "rdubois", "René Dubois", Role.ACCOUNTANT)
    window = desk_window(sqlite_db, accountant)
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "F&amilles")
    action = next(a for a in menu.actions() if "sans portail" in a.text())

    files.scripted_folders[:] = [tmp_path]
    action.trigger()  # nothing issued yet: said in French, no file
    assert no_dialogs[-1].kind == "warning" and "Aucune facture à imprimer" in no_dialogs[-1].text

    with sqlite_db.session() as s:
        issue_run(s, "ALSH", date(2026, 7, 1), date(2026, 7, 31), issue_date=date(2026, 6, 25))
    files.opened.clear()
    files.scripted_folders[:] = [tmp_path]
    action.trigger()
    out = tmp_path / f"factures-courrier-{TODAY.isoformat()}.pdf"
    assert files.opened == [out]
    assert "1 facture(s) de familles sans portail" in no_dialogs[-1].text
    text = pypdf.PdfReader(out).pages[0].extract_text()
    assert "ALSH-2026-00001" in text and "Mme Claire Martin" in text


def test_answer_letter_from_the_familles_menu(
    qtbot, desk_window, sqlite_db, agent, no_dialogs, tmp_path
):
    """A decided request's answer as a letter, from « Familles »; an undecided one refused."""
    from datetime import UTC, datetime

    import pypdf
    from test_paper_families import paper_form

    from backoffice.models import PortalRequest, RequestKind, RequestState
    from backoffice.services.families import accounts
    from backoffice.ui import files
    from backoffice.ui.accounts import paper_mail

    with sqlite_db.session() as s:
        family = accounts.open_account(s, agent, paper_form(), TODAY)
        decided = PortalRequest(
            kind=RequestKind.BOOKING, family_id=family.id, state=RequestState.ACCEPTED,
            decided_at=datetime(2026, 11, 26, 10, tzinfo=UTC),
            answer_text="Tom est inscrit les mercredis de décembre.",
        )  # fmt: skip
        pending = PortalRequest(kind=RequestKind.BOOKING, family_id=family.id)
        s.add_all([decided, pending])
        s.flush()
        ids = decided.id, pending.id
    window = desk_window(sqlite_db, agent)
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "F&amilles")
    action = next(a for a in menu.actions() if "Lettre de réponse" in a.text())

    paper_mail.scripted_request_numbers[:] = [ids[1]]
    files.scripted_folders[:] = [tmp_path]
    action.trigger()
    assert no_dialogs[-1].kind == "warning" and "pas encore décidée" in no_dialogs[-1].text

    files.opened.clear()
    paper_mail.scripted_request_numbers[:] = [ids[0]]
    files.scripted_folders[:] = [tmp_path]
    action.trigger()
    out = tmp_path / f"reponse-demande-{ids[0]}.pdf"
    assert files.opened == [out]
    text = pypdf.PdfReader(out).pages[0].extract_text()
    assert "Votre demande est acceptée." in text and "mercredis de décembre" in text
    assert "Odile Chevallier" in text and "La Grange Neuve" in text
