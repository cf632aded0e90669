"""The family view: family, guardians and a summary of each child's file, the
family's story (registrations, next bookings, requests pending, invoices, balance and
payments: :mod:`.card_tabs`), its history, and the way to edit it.

Loaded off the GUI thread; rich text in a ``QTextBrowser``. Only alert flags appear
here ("PAI"): medical details stay in the medical record, for the roles allowed to see
it. "Historique" loads when first shown; the view reloads after each edit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape
from typing import TYPE_CHECKING

from backoffice.dates import paris_today
from backoffice.models import ACCOUNT_STATE_LABELS, AccountState, AllowanceScheme, Family
from backoffice.services.billing.sepa_flags import family_flag
from backoffice.services.common.actors import Actor
from backoffice.services.families.accounts import is_paper_only
from backoffice.services.families.card import FamilyCard, family_card
from backoffice.services.families.queries import ChildSummary, FamilyDetail, get_family_detail
from backoffice.storage import Database
from backoffice.ui.accounts import AccountActionsBar
from backoffice.ui.accounts.children import add_child_dialog, child_left_dialog
from backoffice.ui.child_file.editor import ChildFileDialog
from backoffice.ui.families.card_tabs import ChildrenTab, MoneyTab, RequestsTab, balance_words
from backoffice.ui.family_edit import FamilyEditDialog
from backoffice.ui.history import HistoryPage
from backoffice.ui.qt import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    Qt,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.registrations import card as registrations_card
from backoffice.ui.tasks import TaskRunner

MISSING_COLOUR = "#b3261e"
COMPLETE_COLOUR = "#1e7b34"
ALERT_BACKGROUND = "#fde3c0"
ALERT_COLOUR = "#7a3e00"
MUTED_COLOUR = "#666666"
CARD_BACKGROUND = "#f4f6f8"

STATE_COLOURS = {
    AccountState.FORM_RECEIVED: "#8a5a00",
    AccountState.AWAITING_ACTIVATION: "#1f5fa8",
    AccountState.ACTIVE: COMPLETE_COLOUR,
    AccountState.DISABLED: MUTED_COLOUR,
}

STYLE = f"""
h1 {{ font-size: 17pt; margin-bottom: 2px; }}
h2 {{ font-size: 13pt; margin-top: 14px; margin-bottom: 4px; }}
h3 {{ font-size: 12pt; margin-top: 0px; margin-bottom: 4px; }}
td {{ padding: 2px 10px 2px 0; vertical-align: top; }}
th {{ text-align: left; padding: 2px 10px 2px 0; color: {MUTED_COLOUR}; font-weight: normal; }}
.muted {{ color: {MUTED_COLOUR}; }}
.missing {{ color: {MISSING_COLOUR}; font-weight: bold; }}
.complete {{ color: {COMPLETE_COLOUR}; font-weight: bold; }}
.alert {{ background-color: {ALERT_BACKGROUND}; color: {ALERT_COLOUR}; font-weight: bold; }}
"""

if TYPE_CHECKING:
    from backoffice.ui.payments.mandate_dialog import MandateDialog


def _e(value: object) -> str:
    return escape(str(value)) if value not in (None, "") else "—"


def _row(label: str, value_html: str) -> str:
    return f"<tr><th>{escape(label)}</th><td>{value_html}</td></tr>"


def _age_text(child: ChildSummary) -> str:
    born = "née" if child.sex == "F" else "né"
    age = "moins d'un an" if child.age < 1 else f"{child.age} an{'s' if child.age > 1 else ''}"
    return f"{age} ({born} le {child.birth_date:%d/%m/%Y})"


def _missing_html(missing: list[str], complete_text: str) -> str:
    if not missing:
        return f'<span class="complete">✔ {escape(complete_text)}</span>'
    items = "".join(f"<li>{escape(item)}</li>" for item in missing)
    return (
        f'<span class="missing">Éléments manquants ({len(missing)}) :</span>'
        f'<ul class="missing" style="margin-top:0px">{items}</ul>'
    )


def _people_html(people: list[str]) -> str:
    if not people:
        return '<span class="missing">Aucune</span>'
    return "<br>".join(escape(p) for p in people)


def _quotient_html(family: Family, today: date) -> str:
    """The QF in force today (with its validity) and the next one already known."""
    current = family.quotient_on(today)
    if current is None:
        html = '<span class="missing">Aucun QF en cours de validité</span>'
    else:
        until = f" au {current.valid_to:%d/%m/%Y}" if current.valid_to else ""
        html = (
            f"{current.quotient} "
            f'<span class="muted">(du {current.valid_from:%d/%m/%Y}{until})</span>'
        )
    upcoming = sorted(
        (q for q in family.quotients if q.valid_from > today), key=lambda q: q.valid_from
    )
    if upcoming:
        html += f"<br>puis {upcoming[0].quotient} à partir du {upcoming[0].valid_from:%d/%m/%Y}"
    return html


def _family_html(detail: FamilyDetail, today: date) -> str:
    family = detail.family
    address = [family.address_line1, family.address_line2, f"{family.postcode} {family.commune}"]
    address_html = "<br>".join(escape(part) for part in address if part.strip()) or "—"
    login = _e(family.login_email)
    if family.pending_login_email:
        login += (
            f' <span class="muted">(changement demandé vers '
            f"{escape(family.pending_login_email)}, en attente de confirmation)</span>"
        )
    if family.allowance_scheme == AllowanceScheme.NONE:
        allowance = "Non allocataire"
    else:
        allowance = f"{family.allowance_scheme.value.upper()} n° {_e(family.allowance_number)}"
    quotient = _quotient_html(family, today)
    rows = [
        _row("Adresse", address_html),
        _row("Téléphone", _e(family.phone)),
        _row("E-mail (identifiant du portail)", login),
        _row("E-mail de facturation", _e(family.billing_email or family.login_email)),
        _row("Allocataire", allowance),
        _row("Quotient familial", quotient),
    ]
    html = f"<h2>Famille</h2><table>{''.join(rows)}</table>"
    if detail.missing:
        html += _missing_html(detail.missing, "")
    return html


def _guardians_html(detail: FamilyDetail) -> str:
    if not detail.guardians:
        return '<h2>Responsables légaux</h2><p class="missing">Aucun responsable légal.</p>'
    header = "".join(f"<th>{h}</th>" for h in ("Nom", "Lien", "Payeur", "Téléphones", "E-mail"))
    rows = []
    for g in detail.guardians:
        phones = [
            f"{label} {escape(number)}"
            for label, number in (
                ("Port.", g.mobile_phone),
                ("Dom.", g.home_phone),
                ("Trav.", g.work_phone),
            )
            if number
        ]
        name = f"{g.civility} {g.full_name}".strip()
        rows.append(
            "<tr>"
            f"<td><b>{escape(name)}</b></td>"
            f"<td>{_e(g.relationship_label)}</td>"
            f"<td>{'Oui' if g.is_payer else 'Non'}</td>"
            f"<td>{'<br>'.join(phones) or '—'}</td>"
            f"<td>{_e(g.email)}</td>"
            "</tr>"
        )
    return f"<h2>Responsables légaux</h2><table><tr>{header}</tr>{''.join(rows)}</table>"


def _child_html(child: ChildSummary) -> str:
    school = ", ".join(p for p in (child.school, child.school_class) if p)
    alerts = (
        " ".join(f'<span class="alert">&nbsp;{escape(a)}&nbsp;</span>' for a in child.alerts)
        if child.alerts
        else '<span class="muted">Aucune</span>'
    )
    rows = [
        _row("Âge", escape(_age_text(child))),
        _row("École / classe", _e(school)),
        _row("Alertes", alerts),
        _row("Contacts en cas d'urgence", _people_html(child.emergency_contacts)),
        _row("Personnes autorisées à venir le chercher", _people_html(child.authorised_pickups)),
    ]
    return (
        f"<h3>{escape(child.full_name)}</h3>"
        f"<table>{''.join(rows)}</table>"
        f"{_missing_html(child.missing, 'Dossier complet')}"
        f'<p><a href="{CHILD_LINK}{child.id}">Ouvrir le dossier de l\'enfant…</a>'
        f'&nbsp;&nbsp;·&nbsp;&nbsp;<a href="{PLANNING_LINK}{child.id}">Planning</a>'
        f"{registrations_card.child_links(child.id)}</p>"
    )


CHILD_LINK = "enfant:"
PLANNING_LINK = "planning:"


def _children_grid(children: list[ChildSummary]) -> str:
    """Children as cards, two per row: the page uses the window's width."""
    if not children:
        return '<p class="missing">Aucun enfant.</p>'
    cells = [
        f'<td width="50%" style="background-color:{CARD_BACKGROUND}; padding:8px">'
        f"{_child_html(c)}</td>"
        for c in children
    ]
    if len(cells) % 2:
        cells.append('<td width="50%"></td>')
    rows = "".join(f"<tr>{cells[i]}{cells[i + 1]}</tr>" for i in range(0, len(cells), 2))
    return f'<table width="100%" cellspacing="8" cellpadding="0">{rows}</table>'


def family_html(detail: FamilyDetail, today: date | None = None, flag: str | None = None) -> str:
    """The whole family page as rich text (Qt's HTML subset); ``flag``: a rejected debit."""
    today = today or date.today()
    family = detail.family
    state = family.account_state
    account_words = (
        "Famille sans portail (papier seulement)"  # as the account bar says
        if is_paper_only(family)
        else ACCOUNT_STATE_LABELS[state]
    )
    title = (
        f"<h1>{escape(family.name)} "
        f'<span class="muted" style="font-size:12pt">{escape(family.code)}</span></h1>'
        f'<p style="margin-bottom:10px">Compte : <b style="color:{STATE_COLOURS[state]}">'
        f"{escape(account_words)}</b>"
        f"&nbsp;&nbsp;·&nbsp;&nbsp;"
        + (
            '<span class="complete">Dossier complet</span>'
            if detail.complete
            else '<span class="missing">Dossier incomplet</span>'
        )
        + (
            f'&nbsp;&nbsp;·&nbsp;&nbsp;<span class="alert">&nbsp;{escape(flag)}&nbsp;</span>'
            if flag
            else ""
        )
        + "</p>"
    )
    top = (
        '<table width="100%" cellspacing="0" cellpadding="0"><tr>'
        f'<td width="45%">{_family_html(detail, today)}</td>'
        f'<td width="55%">{_guardians_html(detail)}</td>'
        "</tr></table>"
    )
    return (
        f"<html><head><style>{STYLE}</style></head><body>"
        f"{title}{top}"
        f"<h2>Enfants ({len(detail.children)})</h2>{_children_grid(detail.children)}"
        "</body></html>"
    )


class FamilyView(QWidget):
    """One family, loaded in the background; ``loaded`` each time it is shown."""

    loaded = Signal()
    closeRequested = Signal()
    planningRequested = Signal(int)  # a child's id: its week in the « Planning » area
    planningWeekRequested = Signal(int, object)  # a child's id and a day of the week to show
    requestRequested = Signal(int)  # a request's id, at the requests desk
    invoiceRequested = Signal(int, int)  # family id, invoice id: its account in Règlements
    paymentRequested = Signal(int, int)  # family id, payment id (0: none): Règlements

    def __init__(
        self,
        db: Database,
        runner: TaskRunner,
        family_id: int,
        actor: Actor,
        parent: QWidget | None = None,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.db = db
        self.runner = runner
        self.family_id = family_id
        self.actor = actor
        self.today = today
        self.detail: FamilyDetail | None = None
        self.card: FamilyCard | None = None
        self.edit_dialog: FamilyEditDialog | None = None

        self.status = QLabel("Chargement de la famille…")
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._link_clicked)
        self.child_dialog: ChildFileDialog | None = None
        self.account_bar = AccountActionsBar(db, actor, family_id)
        self.account_bar.changed.connect(self.reload)
        self.browser.setAccessibleName("Fiche de la famille")
        self.history = HistoryPage(db, runner, actor, family_id)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.children_tab = ChildrenTab()
        self.children_tab.planningRequested.connect(self.planningWeekRequested)
        self.children_tab.childFileRequested.connect(self.open_child_file)
        self.requests_tab = RequestsTab()
        self.requests_tab.requestActivated.connect(self.requestRequested)
        self.money_tab = MoneyTab()
        self.money_tab.invoiceActivated.connect(
            lambda invoice_id: self.invoiceRequested.emit(self.family_id, invoice_id)
        )
        self.money_tab.paymentActivated.connect(
            lambda payment_id: self.paymentRequested.emit(self.family_id, payment_id)
        )
        self.money_tab.accountActivated.connect(
            lambda: self.paymentRequested.emit(self.family_id, 0)
        )
        self.tabs.addTab(self.browser, "Fiche")
        self.tabs.addTab(self.children_tab, "Inscriptions et réservations")
        self.tabs.addTab(self.requests_tab, "Demandes")
        self.tabs.addTab(self.money_tab, "Factures et règlements")
        self.tabs.addTab(self.history, "Historique")
        self.tabs.currentChanged.connect(self._tab_changed)
        self.tabs.hide()
        self.edit_button = QPushButton("Modifier la famille…")
        self.edit_button.setToolTip("Adresse, téléphones, e-mails, allocataire, responsables, QF")
        self.edit_button.setEnabled(False)
        self.edit_button.clicked.connect(self.edit_family)
        # The button sits in the tab bar's corner: no row of its own.
        corner = QWidget()
        corner_layout = QHBoxLayout(corner)
        corner_layout.setContentsMargins(0, 0, 0, 4)
        # The family's actions (« Ajouter un enfant… »…) come before « Modifier »:
        # add_family_action().
        self.family_actions = corner_layout
        corner_layout.addWidget(self.edit_button)
        # A child added or gone (backoffice/ui/accounts/children.py).
        self.add_child_button = QPushButton("Ajouter un enfant…")
        self.add_child_button.clicked.connect(lambda: self.children_dialog(add_child_dialog))
        self.child_left_button = QPushButton("Enfant parti…")
        self.child_left_button.clicked.connect(lambda: self.children_dialog(child_left_dialog))
        corner_layout.insertWidget(0, self.child_left_button)
        corner_layout.insertWidget(0, self.add_child_button)
        if actor.role.value in ("admin", "accountant"):  # payments/mandate_dialog.py
            self.mandate_button = self.add_family_action(
                "Mandat SEPA…", self.open_mandate, "Prélèvement automatique : IBAN, BIC, mandat"
            )
        self.tabs.setCornerWidget(corner, Qt.Corner.TopRightCorner)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.account_bar)
        layout.addWidget(self.tabs, 1)
        self.setFocusProxy(self.browser)

    @property
    def title(self) -> str:
        if self.detail is None:
            return "Famille…"
        return f"{self.detail.family.name} ({self.detail.family.code})"

    def add_family_action(
        self, text: str, slot: Callable[[], None], tooltip: str = ""
    ) -> QPushButton:
        """A button beside « Modifier la famille… » (the family's own actions)."""
        button = QPushButton(text)
        button.setToolTip(tooltip)
        button.clicked.connect(lambda _checked=False: slot())
        self.family_actions.insertWidget(self.family_actions.count() - 1, button)
        return button

    def load(self) -> None:
        db, family_id, actor = self.db, self.family_id, self.actor
        today = self.today or paris_today()

        def fetch() -> tuple[FamilyDetail, FamilyCard, str | None]:
            with db.session() as session:
                detail = get_family_detail(session, family_id, today=today)
                card = family_card(session, actor, family_id, today)
                return detail, card, family_flag(session, family_id)

        self.runner.run(
            fetch, self._show, self._failed, label="Chargement de la famille…", parent=self
        )

    def _show(self, loaded: tuple[FamilyDetail, FamilyCard, str | None]) -> None:
        detail, card, debit_flag = loaded
        self.detail = detail
        self.card = card
        self.children_tab.set_card(card)
        self.requests_tab.set_rows(card.requests)
        self.money_tab.set_card(card)
        self._retitle_tabs(card)
        scroll = self.browser.verticalScrollBar().value()
        self.browser.setHtml(family_html(detail, self.today, debit_flag))
        self.browser.verticalScrollBar().setValue(scroll)
        self.status.hide()
        self.tabs.show()
        self.edit_button.setEnabled(True)
        self.loaded.emit()

    def _retitle_tabs(self, card: FamilyCard) -> None:
        bookings = sum(c.bookings_ahead for c in card.children)
        self.tabs.setTabText(
            self.tabs.indexOf(self.children_tab),
            f"Inscriptions et réservations ({bookings} à venir)",
        )
        self.tabs.setTabText(
            self.tabs.indexOf(self.requests_tab), f"Demandes ({len(card.requests)})"
        )
        self.tabs.setTabText(
            self.tabs.indexOf(self.money_tab),
            f"Factures (solde : {balance_words(card.balance)})",
        )

    def show_tab(self, widget: QWidget) -> None:
        self.tabs.setCurrentWidget(widget)

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.history and not self.history.is_loaded:
            self.history.reload()

    def show_history(self) -> HistoryPage:
        self.tabs.setCurrentWidget(self.history)
        return self.history

    def edit_family(self) -> FamilyEditDialog:
        """Open "Modifier la famille…" (window-modal, not blocking)."""
        dialog = FamilyEditDialog(
            self.db, self.runner, self.actor, self.family_id, self.today, self
        )
        dialog.familyChanged.connect(self.reload)
        dialog.finished.connect(lambda _result: self._edit_finished(dialog))
        self.edit_dialog = dialog
        dialog.open()
        dialog.load()
        return dialog

    def children_dialog(self, opener) -> QDialog:
        dialog = opener(self, self.db, self.actor, self.family_id, self.today)
        dialog.accepted.connect(self.reload)
        self.children_dialog_shown = dialog
        return dialog

    def open_mandate(self) -> MandateDialog:
        from backoffice.ui.payments.mandate_dialog import MandateDialog  # SEPA: on use

        dialog = MandateDialog(
            self.db, self.actor, self.detail.family.code if self.detail else "", self
        )
        dialog.accepted.connect(self.reload)
        dialog.open()
        return dialog

    def _edit_finished(self, dialog: FamilyEditDialog) -> None:
        if dialog.changed:
            self.reload()
        self.edit_dialog = None
        dialog.deleteLater()

    def _link_clicked(self, url) -> None:
        target = url.toString()
        if target.startswith(CHILD_LINK):
            self.open_child_file(int(target[len(CHILD_LINK) :]))
        elif target.startswith(PLANNING_LINK):
            self.planningRequested.emit(int(target[len(PLANNING_LINK) :]))
        else:
            registrations_card.handle_link(self, target)  # « Inscrire… », « Désinscrire… »

    def open_child_file(self, child_id: int) -> ChildFileDialog:
        """The child's whole file (window-modal, not blocking); the view reloads after saves."""
        dialog = ChildFileDialog(self.db, self.actor, child_id, self, self.today)
        dialog.saved.connect(lambda _child_id: self.reload())
        dialog.finished.connect(dialog.deleteLater)
        self.child_dialog = dialog
        dialog.open()
        return dialog

    def reload(self) -> None:
        """Show the family again (after a save), and its history if it was loaded."""
        self.account_bar.refresh()
        self.load()
        if self.history.is_loaded:
            self.history.reload()

    def _failed(self, exc: BaseException) -> None:
        from backoffice.ui import crash

        self.status.setText("Impossible d'afficher cette famille.")
        crash.report(exc)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape:
            self.closeRequested.emit()
            return
        super().keyPressEvent(event)
