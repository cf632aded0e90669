"""The family card's story tabs: per child the registrations and the next bookings, the
requests pending, the invoices per régie, the balance and the payments.

Filled from one :class:`~backoffice.services.families.card.FamilyCard` (loaded off the
GUI thread by the family view). Every line opens the right area on the right record:
double-click or Entrée emits the tab's signal, the main window does the rest. States
carry the planning's icons and the parents' words (``ui/planning/icons.py``); amounts
are right-aligned « 1 234,56 € ».

Other actions hook in with a line: :meth:`ChildrenTab.add_child_action` puts a button in
every child's row of actions (it receives the child's id).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from backoffice.dates import iso_monday
from backoffice.documents.formatting import short_day
from backoffice.models import InvoiceState, PaymentState
from backoffice.services.families.card import (
    BookingLine,
    ChildCard,
    FamilyCard,
    InvoiceLine,
    PaymentLine,
    RegieTotals,
    RegistrationLine,
    RequestLine,
)
from backoffice.ui.billing.table import Column, RowsModel, day, make_view, money
from backoffice.ui.planning.icons import state_icon
from backoffice.ui.qt import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)

# Invoice state → its icon (own signs: « € » to pay, « T » Trésor public, « A » avoir).
INVOICE_ICONS = {
    InvoiceState.ISSUED: "invoice_to_pay",
    InvoiceState.PARTIALLY_PAID: "invoice_partly_paid",
    InvoiceState.PAID: "invoice_paid",
    InvoiceState.SENT_TO_TRESOR: "invoice_tresor",
    InvoiceState.CANCELLED: "invoice_cancelled",
}
PAYMENT_ICONS = {
    PaymentState.VALIDATED: "booked",
    PaymentState.PENDING_BANK_VALIDATION: "requested",
    PaymentState.REFUSED: "refused",
}
OWED_COLOUR = "#b3261e"
CREDIT_COLOUR = "#1e7b34"


class IconRowsModel(RowsModel):
    """:class:`RowsModel` with the planning's state badge in one column."""

    def __init__(
        self,
        columns: Sequence[Column],
        icon_column: int,
        icon: Callable[[Any], str | None],
        parent=None,
    ):
        super().__init__(columns, parent)
        self.icon_column = icon_column
        self.icon = icon

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole):
        if (
            role == Qt.ItemDataRole.DecorationRole
            and index.isValid()
            and index.column() == self.icon_column
        ):
            state = self.icon(self.row_at(index.row()))
            return state_icon(state) if state else None
        return super().data(index, role)


def fit_rows(view: QTableView, rows: int, at_least: int = 1) -> None:
    """Height for ``rows`` rows exactly: the card's sections never scroll inside."""
    shown = max(rows, at_least)
    height = view.horizontalHeader().sizeHint().height()
    height += shown * view.verticalHeader().defaultSectionSize()
    height += 2 * view.frameWidth() + 2
    view.setFixedHeight(height)


def fit_columns(view: QTableView) -> None:
    """Columns as wide as their texts (with the icon); a stretched one takes the rest."""
    header = view.horizontalHeader()
    model = view.model()
    for number, column in enumerate(model.columns):
        if not column.stretch:
            wanted = max(view.sizeHintForColumn(number), header.sectionSizeHint(number))
            header.resizeSection(number, max(wanted + 6, column.width or 0))


def _row_of(view: QTableView, index) -> Any:
    return view.model().row_at(index.row())


def balance_words(amount) -> str:
    """« 31,77 € dus », « 5,00 € d'avance », « à jour »."""
    if amount > 0:
        return f"{money(amount)} dus"
    if amount < 0:
        return f"{money(-amount)} d'avance"
    return "à jour"


# -- per child ------------------------------------------------------------------------

REGISTRATION_COLUMNS = [
    Column("Activité", lambda r: r.activity, tooltip=lambda r: r.site, stretch=True),
    Column("Période", lambda r: r.period, tooltip=lambda r: f"du {day(r.start)} au {day(r.end)}"),
    Column("État", lambda r: r.state_label),
]
BOOKING_COLUMNS = [
    Column("Jour", lambda b: f"{short_day(b.day)}/{b.day:%Y}"),
    Column("Accueil", lambda b: b.unit, tooltip=lambda b: f"{b.activity} — {b.site}"),
    Column("Activité", lambda b: b.activity, tooltip=lambda b: b.site, stretch=True),
    Column("État", lambda b: b.state_label),
]


class ChildSection(QGroupBox):
    """One child: a row of actions, the registrations and the next bookings."""

    bookingActivated = Signal(object)  # BookingLine
    registrationActivated = Signal(object)  # RegistrationLine

    def __init__(self, child: ChildCard, today: date, parent: QWidget | None = None):
        super().__init__(child.full_name, parent)
        self.child = child
        self.setObjectName(f"child-{child.id}")
        self.actions = QHBoxLayout()
        self.actions.setSpacing(6)
        self.actions.addStretch(1)  # the buttons go before it, on the left
        self.registrations = IconRowsModel(REGISTRATION_COLUMNS, 2, lambda r: r.icon_state)
        self.registrations.set_rows(child.registrations)
        self.registrations_view = make_view(
            self.registrations, f"Inscriptions de {child.full_name}"
        )
        fit_rows(self.registrations_view, len(child.registrations))
        fit_columns(self.registrations_view)
        self.bookings = IconRowsModel(BOOKING_COLUMNS, 3, lambda b: b.state)
        self.bookings.set_rows(child.next_bookings)
        self.bookings_view = make_view(
            self.bookings, f"Prochaines réservations de {child.full_name}"
        )
        fit_rows(self.bookings_view, len(child.next_bookings))
        fit_columns(self.bookings_view)
        self.registrations_view.activated.connect(
            lambda index: self.registrationActivated.emit(_row_of(self.registrations_view, index))
        )
        self.bookings_view.activated.connect(
            lambda index: self.bookingActivated.emit(_row_of(self.bookings_view, index))
        )

        left = QVBoxLayout()
        left.addWidget(QLabel(f"<b>Inscriptions en cours</b> ({len(child.registrations)})"))
        if child.registrations:
            left.addWidget(self.registrations_view)
        else:
            self.registrations_view.hide()
            left.addWidget(_muted("Aucune inscription en cours."))
        right = QVBoxLayout()
        shown, ahead = len(child.next_bookings), child.bookings_ahead
        count = f"{shown} sur {ahead}" if ahead > shown else str(ahead)
        right.addWidget(QLabel(f"<b>Prochaines réservations</b> ({count})"))
        if child.next_bookings:
            right.addWidget(self.bookings_view)
        else:
            self.bookings_view.hide()
            right.addWidget(_muted("Aucune réservation à venir."))
        # One above the other: every text in full at 1280 px.
        layout = QVBoxLayout(self)
        layout.addLayout(self.actions)
        layout.addLayout(left)
        layout.addLayout(right)

    def add_action(self, text: str, slot: Callable[[], None], tooltip: str = "") -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tooltip)
        button.clicked.connect(lambda _checked=False: slot())
        self.actions.insertWidget(self.actions.count() - 1, button)
        return button


def _muted(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("color: #666666;")
    return label


class ChildrenTab(QScrollArea):
    """« Inscriptions et réservations »: one section per child, one under the other."""

    planningRequested = Signal(int, object)  # child id, a day of the week to show
    childFileRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.sections: list[ChildSection] = []
        self._child_actions: list[tuple[str, Callable[[int], None], str]] = []
        self.today = date.today()

    def add_child_action(self, text: str, slot: Callable[[int], None], tooltip: str = "") -> None:
        """A button in every child's row of actions; ``slot(child_id)`` when clicked."""
        self._child_actions.append((text, slot, tooltip))
        for section in self.sections:
            self._add_actions(section, [(text, slot, tooltip)])

    def _add_actions(self, section: ChildSection, actions) -> None:
        child_id = section.child.id
        for text, slot, tooltip in actions:
            section.add_action(text, lambda s=slot: s(child_id), tooltip)

    def set_card(self, card: FamilyCard) -> None:
        self.today = card.today
        page = QWidget()
        layout = QVBoxLayout(page)
        self.sections = []
        if not card.children:
            layout.addWidget(_muted("Aucun enfant dans cette famille."))
        for child in card.children:
            section = ChildSection(child, card.today)
            planning = section.add_action(
                "Planning", lambda c=child.id: self.planningRequested.emit(c, self.today)
            )
            planning.setToolTip("La semaine de l'enfant dans le planning")
            section.add_action(
                "Dossier de l'enfant…", lambda c=child.id: self.childFileRequested.emit(c)
            )
            self._add_actions(section, self._child_actions)
            section.bookingActivated.connect(self._booking)
            section.registrationActivated.connect(self._registration)
            self.sections.append(section)
            layout.addWidget(section)
        layout.addStretch(1)
        self.setWidget(page)

    def _booking(self, booking: BookingLine) -> None:
        self.planningRequested.emit(booking.child_id, iso_monday(booking.day))

    def _registration(self, registration: RegistrationLine) -> None:
        first = max(registration.start, self.today)
        self.planningRequested.emit(registration.child_id, iso_monday(first))


# -- requests -------------------------------------------------------------------------

REQUEST_COLUMNS = [
    Column("Reçue le", lambda r: day(r.received_on), width=90),
    Column("Enfant", lambda r: r.child or "—", width=120),
    Column("Demande", lambda r: r.kind_label, width=170),
    Column("Objet", lambda r: r.subject or "—", stretch=True),
    Column("Jours demandés", lambda r: _days_text(r), width=330),
]


def _days_text(request: RequestLine) -> str:
    """« 3 jours, du lun. 30/11/2026 au ven. 04/12/2026 », « 1 jour, le lun. 30/11/2026 »."""
    if not request.days or request.first_day is None or request.last_day is None:
        return ""
    count = f"{request.days} jour{'s' if request.days > 1 else ''}"
    first, last = request.first_day, request.last_day
    if first == last:
        return f"{count}, le {short_day(first)}/{first:%Y}"
    return f"{count}, du {short_day(first)}/{first:%Y} au {short_day(last)}/{last:%Y}"


class RequestsTab(QWidget):
    """« Demandes en attente »: Entrée opens the request at the desk."""

    requestActivated = Signal(int)  # the request's id

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = IconRowsModel(REQUEST_COLUMNS, 2, lambda _r: "requested")
        self.view = make_view(self.model, "Demandes en attente de la famille")
        self.view.activated.connect(
            lambda index: self.requestActivated.emit(_row_of(self.view, index).id)
        )
        self.note = _muted("")
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.view, 1)

    def set_rows(self, rows: list[RequestLine]) -> None:
        self.model.set_rows(rows)
        self.note.setText(
            "Aucune demande en attente."
            if not rows
            else "Double-clic ou Entrée : la demande au bureau des demandes."
        )


# -- invoices, balance and payments ---------------------------------------------------

BALANCE_COLUMNS = [
    Column("Régie", lambda r: r.name, width=300, tooltip=lambda r: r.regie),
    Column("Facturé", lambda r: money(r.invoiced), amount=True, width=110),
    Column("Avoirs", lambda r: money(r.credited), amount=True, width=100),
    Column("Réglé", lambda r: money(r.paid), amount=True, width=110),
    Column(
        "En attente banque",
        lambda r: money(r.pending_online) if r.pending_online else "",
        amount=True,
        width=140,
    ),
    Column("Solde", lambda r: money(r.balance), amount=True, width=110),
]
INVOICE_COLUMNS = [
    Column("Régie", lambda i: i.regie, width=60, tooltip=lambda i: i.regie_name),
    Column("Facture", lambda i: i.number, width=135),
    Column("Période", lambda i: f"{i.period_start:%d/%m} – {day(i.period_end)}", width=135),
    Column("Échéance", lambda i: day(i.due_date), width=90),
    Column("Montant", lambda i: money(i.total), amount=True, width=95),
    Column("Reste dû", lambda i: money(i.balance), amount=True, width=95),
    Column("État", lambda i: i.state_label, stretch=True),
]
PAYMENT_COLUMNS = [
    Column("Reçu le", lambda p: day(p.received_on), width=90),
    Column("Régie", lambda p: p.regie, width=60),
    Column("Mode", lambda p: p.mode_label, width=150, tooltip=lambda p: p.reference),
    Column("Montant", lambda p: money(p.amount), amount=True, width=95),
    Column("État", lambda p: p.state_label, width=170),
    Column("Factures réglées", lambda p: ", ".join(p.invoices) or "—", stretch=True),
]


class MoneyTab(QWidget):
    """« Factures et règlements »: the balance per régie, the invoices, the payments."""

    invoiceActivated = Signal(int)  # the invoice's id
    paymentActivated = Signal(int)  # the payment's id
    accountActivated = Signal()  # a régie's balance: the family's account

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.balances = RowsModel(BALANCE_COLUMNS)
        self.balances_view = make_view(self.balances, "Solde par régie")
        self.invoices = IconRowsModel(INVOICE_COLUMNS, 6, lambda i: INVOICE_ICONS[i.state])
        self.invoices.alert = lambda i: i.to_pay and i.due_date < self.today
        self.invoices_view = make_view(self.invoices, "Factures de la famille")
        self.payments = IconRowsModel(PAYMENT_COLUMNS, 4, lambda p: PAYMENT_ICONS[p.state])
        self.payments_view = make_view(self.payments, "Règlements de la famille")
        self.invoices_view.activated.connect(
            lambda index: self.invoiceActivated.emit(_row_of(self.invoices_view, index).id)
        )
        self.payments_view.activated.connect(
            lambda index: self.paymentActivated.emit(_row_of(self.payments_view, index).id)
        )
        self.balances_view.activated.connect(lambda _index: self.accountActivated.emit())
        self.today = date.today()
        self.invoices_title = QLabel()
        self.payments_title = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.balances_view)
        # One under the other: every column in full at 1280 px.
        layout.addWidget(self.invoices_title)
        layout.addWidget(self.invoices_view, 3)
        layout.addWidget(self.payments_title)
        layout.addWidget(self.payments_view, 2)

    def set_card(self, card: FamilyCard) -> None:
        self.today = card.today
        colour = OWED_COLOUR if card.balance > 0 else CREDIT_COLOUR
        due = [i for i in card.to_pay]
        self.summary.setText(
            f"Solde toutes régies : <b style='color:{colour}'>{balance_words(card.balance)}</b>"
            f"&nbsp;&nbsp;·&nbsp;&nbsp;{len(due)} facture{'s' if len(due) > 1 else ''} "
            f"à payer&nbsp;&nbsp;·&nbsp;&nbsp;{len(card.payments)} règlement"
            f"{'s' if len(card.payments) > 1 else ''}"
        )
        regies: list[RegieTotals] = card.regies
        self.balances.set_rows(regies)
        fit_rows(self.balances_view, len(regies))
        self.invoices.set_rows(card.invoices)
        self.payments.set_rows(card.payments)
        self.invoices_title.setText(f"<b>Factures par régie</b> ({len(card.invoices)})")
        self.payments_title.setText(f"<b>Règlements</b> ({len(card.payments)})")


def invoice_by_id(card: FamilyCard, invoice_id: int) -> InvoiceLine | None:
    return next((i for i in card.invoices if i.id == invoice_id), None)


def payment_by_id(card: FamilyCard, payment_id: int) -> PaymentLine | None:
    return next((p for p in card.payments if p.id == payment_id), None)


__all__ = [
    "BookingLine",
    "ChildrenTab",
    "MoneyTab",
    "RequestsTab",
    "balance_words",
    "invoice_by_id",
    "payment_by_id",
]
