# Long module: the main window wires every area (built on first use), the menus, the status bar and the focus after dialogs; splitting it would scatter that wiring.
"""The main window: areas of the product on the left, the current one on the right.

An area appears only when it works (DESIGN: no empty placeholder screens):
"Familles", "Demandes" (the requests desk), "Planning" (a child's week and the
occupancy), "Pointage", "Facturation", "Règlements", "Dossiers incomplets" and
"Synchronisation" (with its status-bar indicator; the automatic sync starts with
:meth:`MainWindow.load`). Each area but "Familles" reloads when it becomes current;
the shortcuts Ctrl+1 … Ctrl+8 go to the areas in this order.

When one of its dialogs closes, the main window takes the keyboard focus back (the
widget that had it, else the current area): Ctrl+2 or F1 work at once, without a
click first (:meth:`MainWindow.take_focus_back`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from backoffice import __version__
from backoffice.models import ROLE_LABELS
from backoffice.services.common.actors import Actor
from backoffice.services.families.queries import count_families
from backoffice.storage import Database
from backoffice.ui import dialogs
from backoffice.ui.families.area import FamiliesArea
from backoffice.ui.families.list_page import families_count_text
from backoffice.ui.qt import (
    QApplication,
    QEvent,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSize,
    QStackedWidget,
    Qt,
    QTimer,
    QWidget,
    QWindow,
    isValid,
)
from backoffice.ui.regie_menu import add_regie_menu
from backoffice.ui.settings.pages import visible_pages
from backoffice.ui.tasks import TaskRunner
from backoffice.ui.widgets import area_shortcut

if TYPE_CHECKING:
    from backoffice.ui.accounts import OpenAccountDialog
    from backoffice.ui.attendance import AttendanceArea
    from backoffice.ui.billing import BillingArea
    from backoffice.ui.child_file.editor import ChildFileDialog
    from backoffice.ui.families.window import FamilyWindow
    from backoffice.ui.help import HelpWindow
    from backoffice.ui.incomplete.page import IncompleteFilesPage
    from backoffice.ui.payments import PaymentsArea
    from backoffice.ui.planning import PlanningArea
    from backoffice.ui.requests import RequestsArea
    from backoffice.ui.settings import SettingsArea
    from backoffice.ui.sync import SyncArea, SyncController, SyncIndicator
    from backoffice.ui.widgets.site_activity import SharedSite

WINDOW_TITLE = "Portail Famille — back-office"
NAV_WIDTH = 150
# The automatic sync of a window loaded but not shown (or not painted) starts after this.
SYNC_FALLBACK_MS = 2000


def actor_text(actor: Actor) -> str:
    """ "Mélanie Huet — Agent d'accueil": who is working, as the status bar says it."""
    return f"{actor.label} — {ROLE_LABELS[actor.role]}"


class MainWindow(QMainWindow):
    def __init__(
        self,
        db: Database,
        actor: Actor,
        runner: TaskRunner | None = None,
        today: date | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.today = today
        self.open_account_dialog: OpenAccountDialog | None = None
        self.child_dialog: ChildFileDialog | None = None
        self.help_window: HelpWindow | None = None
        self._owns_runner = runner is None
        self.runner = runner or TaskRunner(parent=self)
        self.setWindowTitle(WINDOW_TITLE)
        self.resize(1280, 800)

        self.navigation = QListWidget()
        self.navigation.setFixedWidth(NAV_WIDTH)
        self.navigation.setIconSize(QSize(20, 20))
        self.navigation.setAccessibleName("Navigation")
        self.navigation.setSpacing(2)
        self.stack = QStackedWidget()

        self.families = FamiliesArea(db, self.runner, actor, today=today)
        self.families.planningRequested.connect(self.show_child_planning)
        self.connect_card(self.families)
        self.family_windows: dict[int, FamilyWindow] = {}
        self._shared_site: SharedSite | None = None
        # The sync (its controller imports the portal client, keyring…) is set up
        # once the window is on screen (``load``), or when first asked for.
        self._sync: SyncController | None = None
        self.sync_indicator: SyncIndicator | None = None
        self.sync_started = False  # the automatic sync armed (after the first paint)
        self._sync_wanted = False
        # Only "Familles" is built now; the other areas (and the modules they import:
        # reportlab, the billing, the planning…) when first shown or asked for.
        self._areas: dict[str, QWidget] = {}
        self._builders: dict[int, tuple[str, Callable[[], QWidget]]] = {}
        self._add_area("Familles", self.families)
        for label, name, build in (
            ("Demandes", "requests", self._build_requests),
            ("Planning", "planning", self._build_planning),
            ("Pointage", "attendance", self._build_attendance),
            ("Facturation", "billing", self._build_billing),
            ("Règlements", "payments", self._build_payments),
            ("Dossiers incomplets", "incomplete", self._build_incomplete),
            ("Synchronisation", "sync_area", self._build_sync_area),
            ("Paramètres", "settings", self._build_settings),
        ):
            if name == "settings" and not visible_pages(actor.role.value):
                continue  # no page of « Paramètres » is open to this role
            self._builders[self.navigation.count()] = (name, build)
            self._add_area(label, QWidget())
        self.navigation.currentRowChanged.connect(self._area_changed)
        self.navigation.setCurrentRow(0)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.navigation)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.database_label = QLabel(db.description)
        self.database_label.setToolTip("Base de données utilisée")
        self.families_label = QLabel()
        self.actor_label = QLabel(actor_text(actor))
        self.actor_label.setToolTip(
            "Agent connecté (les modifications sont enregistrées à son nom)"
        )
        self.actor_label.setContentsMargins(0, 0, 16, 0)
        self.statusBar().addWidget(self.database_label, 1)
        self.statusBar().addPermanentWidget(self.actor_label)
        self.statusBar().addPermanentWidget(self.families_label)

        self._build_menus()
        self._last_focus: QWidget | None = None
        QApplication.instance().focusChanged.connect(self._focus_changed)

    def _add_area(self, label: str, widget: QWidget) -> None:
        item = QListWidgetItem(label)
        item.setSizeHint(QSize(NAV_WIDTH - 8, 34))
        self.navigation.addItem(item)
        self.stack.addWidget(widget)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&Fichier")
        quit_action = file_menu.addAction("&Quitter")
        quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        quit_action.triggered.connect(self.close)
        families_menu = self.menuBar().addMenu("F&amilles")
        search_action = families_menu.addAction("&Rechercher une famille")
        search_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        search_action.triggered.connect(self.focus_family_search)
        open_action = families_menu.addAction("&Ouvrir un compte famille…")
        open_action.setShortcut(QKeySequence(QKeySequence.StandardKey.New))
        open_action.triggered.connect(self.open_account)
        for text, unregister in (
            ("I&nscrire un enfant…", False),
            ("&Désinscrire un enfant…", True),
        ):
            families_menu.addAction(text).triggered.connect(
                lambda _c=False, u=unregister: self._registration_from_menu(u)
            )
        paper_action = families_menu.addAction("&Factures papier (familles sans portail)…")
        paper_action.triggered.connect(lambda: self._paper_mail("invoices"))
        letter_action = families_menu.addAction("&Lettre de réponse à une demande…")
        letter_action.triggered.connect(lambda: self._paper_mail("letter"))
        form_action = families_menu.addAction("Formulaire d'ouverture de compte (&PDF)…")
        form_action.triggered.connect(self._account_form)
        incomplete_action = families_menu.addAction("Dossiers &incomplets")
        incomplete_action.triggered.connect(lambda: self.show_area(self.incomplete))
        add_regie_menu(self)  # Régie: relances, attestations, statistiques CAF
        areas_menu = self.menuBar().addMenu("&Affichage")
        for number in range(self.navigation.count()):
            action = areas_menu.addAction(self.navigation.item(number).text())
            action.setShortcut(QKeySequence(f"Ctrl+{number + 1}"))
            action.triggered.connect(
                lambda _checked=False, row=number: self.navigation.setCurrentRow(row)
            )
        help_menu = self.menuBar().addMenu("&Aide")
        # F1 (shown, not bound here: an area with its own F1 keeps it) opens the help
        # of the current area; each area's page is also in the menu.
        area_help = help_menu.addAction("&Aide sur cette zone\tF1")
        area_help.triggered.connect(lambda: self.show_help())
        pages = help_menu.addMenu("Aide &par zone")
        for number in range(self.navigation.count()):
            name = self.navigation.item(number).text()
            pages.addAction(name).triggered.connect(lambda _c=False, n=name: self.show_help(n))
        self._help_key(self.families)
        area_shortcut(self.navigation, "F1", self.show_help)
        help_menu.addSeparator()
        about = help_menu.addAction("À &propos")
        about.triggered.connect(self.show_about)

    def _help_key(self, area: QWidget) -> None:
        if not hasattr(area, "show_shortcuts"):  # the requests desk's F1 lists its keys
            area_shortcut(area, "F1", self.show_help)

    # -- areas built on first use ---------------------------------------------

    def _area(self, row: int) -> QWidget:
        """The area of navigation row ``row``, built (and put in place) if needed."""
        entry = self._builders.pop(row, None)
        if entry is None:
            return self.stack.widget(row)
        name, build = entry
        area = build()
        self._areas[name] = area
        placeholder = self.stack.widget(row)
        current = self.stack.currentIndex()
        self.stack.insertWidget(row, area)
        self.stack.removeWidget(placeholder)
        placeholder.deleteLater()
        self.stack.setCurrentIndex(current)
        self._help_key(area)
        return area

    def _named(self, name: str) -> QWidget:
        area = self._areas.get(name)
        if area is not None:
            return area
        row = next(row for row, (n, _b) in self._builders.items() if n == name)
        return self._area(row)

    def is_built(self, name: str) -> bool:
        """Whether the area ``name`` (``"requests"``, ``"billing"``…) exists yet."""
        return name in self._areas

    @property
    def requests(self) -> RequestsArea:
        return self._named("requests")  # type: ignore[return-value]

    @property
    def planning(self) -> PlanningArea:
        return self._named("planning")  # type: ignore[return-value]

    @property
    def attendance(self) -> AttendanceArea:
        return self._named("attendance")  # type: ignore[return-value]

    @property
    def billing(self) -> BillingArea:
        return self._named("billing")  # type: ignore[return-value]

    @property
    def payments(self) -> PaymentsArea:
        return self._named("payments")  # type: ignore[return-value]

    @property
    def incomplete(self) -> IncompleteFilesPage:
        return self._named("incomplete")  # type: ignore[return-value]

    @property
    def settings(self) -> SettingsArea:
        return self._named("settings")  # type: ignore[return-value]

    @property
    def sync_area(self) -> SyncArea:
        return self._named("sync_area")  # type: ignore[return-value]

    @property
    def shared_site(self) -> SharedSite:
        """The site chosen in the occupancy is the pointage's, and the other way round."""
        if self._shared_site is None:
            from backoffice.ui.widgets.site_activity import SharedSite

            self._shared_site = SharedSite(self)
        return self._shared_site

    def _build_requests(self) -> QWidget:
        from backoffice.ui.requests import RequestsArea

        area = RequestsArea(self.db, self.actor, self.runner, today=self.today)
        area.open_family.connect(self.open_family)
        area.open_child.connect(self.open_child_file)
        return area

    def _build_planning(self) -> QWidget:
        from backoffice.ui.planning import PlanningArea

        area = PlanningArea(self.db, self.actor, self.runner, today=self.today)
        area.open_family.connect(self.open_family)
        area.open_child.connect(self.open_child_file)
        area.occupancy_page.picker.share(self.shared_site)
        return area

    def _build_attendance(self) -> QWidget:
        from backoffice.ui.attendance import AttendanceArea

        area = AttendanceArea(self.db, self.actor, self.runner, today=self.today)
        area.open_family.connect(self.open_family)
        area.open_child.connect(self.open_child_file)
        area.picker.share(self.shared_site)
        return area

    def _build_billing(self) -> QWidget:
        from backoffice.ui.billing import BillingArea

        area = BillingArea(self.db, self.actor, self.runner, today=self.today)
        # The billing preview and the payments lists stay on screen: the family opens
        # in a window beside them.
        area.open_family.connect(self.open_family_window)
        return area

    def _build_payments(self) -> QWidget:
        from backoffice.ui.payments import PaymentsArea

        area = PaymentsArea(self.db, self.actor, self.runner, today=self.today)
        area.open_family.connect(self.open_family_window)
        return area

    def _build_incomplete(self) -> QWidget:
        from backoffice.ui.incomplete.page import IncompleteFilesPage

        area = IncompleteFilesPage(
            self.db, self.actor, today=self.today, runner=self.runner, load=False
        )
        area.open_family.connect(self.open_family)
        area.open_child.connect(self.open_child_file)
        return area

    def _build_settings(self) -> QWidget:
        from backoffice.ui.settings import SettingsArea

        return SettingsArea(self.db, self.actor, self.runner)

    @property
    def sync(self) -> SyncController:
        """The automatic sync and its status-bar indicator (built on first use)."""
        if self._sync is None:
            from backoffice.ui.sync import SyncController, SyncIndicator

            self._sync = SyncController(self.db, self.runner, parent=self)
            self._sync.round_finished.connect(self._sync_finished)
            self.sync_indicator = SyncIndicator(self._sync)
            self.sync_indicator.clicked.connect(self.show_sync)
            # Before the agent and the families count, as ever.
            self.statusBar().insertPermanentWidget(1, self.sync_indicator)
        return self._sync

    def _build_sync_area(self) -> QWidget:
        from backoffice.ui.sync import SyncArea

        return SyncArea(self.db, self.actor, self.sync)

    # -- actions -----------------------------------------------------------

    def load(self) -> None:
        """First load: the families list, the status bar count, the automatic sync."""
        self.families.list_page.run_search()
        self.refresh_status()
        # After the first paint (``event``): the window shows before the sync and
        # its imports; a window never shown (scripts) arms it a little later.
        self._sync_wanted = True
        QTimer.singleShot(SYNC_FALLBACK_MS, self, self._start_sync)
        if self._owns_runner:  # the application's window (tests pass their runner)
            from backoffice.ui.auto_backup import AutoBackup

            self.auto_backup = AutoBackup(self.db, self.runner, self)
            self.auto_backup.start()

    def event(self, event) -> bool:
        handled = super().event(event)
        if getattr(self, "_sync_wanted", False) and event.type() == QEvent.Type.Paint:
            self._sync_wanted = False
            QTimer.singleShot(0, self, self._start_sync)
        return handled

    def _start_sync(self) -> None:
        self._sync_wanted = False
        if isValid(self) and not self.sync_started:
            self.sync.start()
            self.sync_started = True

    def refresh_status(self) -> None:
        with self.db.session() as session:
            total = count_families(session)
        self.families_label.setText(families_count_text(total, searching=False))

    def _area_changed(self, row: int) -> None:
        area = self._area(row)
        self.stack.setCurrentIndex(row)
        if area is not self.families and area is not self._areas.get("sync_area"):
            area.reload()

    def _sync_finished(self, outcome) -> None:
        """New requests from the portal (or decided by the activities' rules) show in
        the desk if it is on screen — unless the agent is working on a selection."""
        report = outcome.report
        if report is None or not (report.pull.requests or report.auto_decided):
            return
        if not self.is_built("requests") or self.stack.currentWidget() is not self.requests:
            return  # reloaded when the agent goes there
        if len(self.requests.selected_requests()) > 1:
            self.requests.status.setText("Nouvelles demandes reçues : F5 pour actualiser.")
        else:
            self.requests.reload()

    def show_area(self, area: QWidget) -> None:
        self.navigation.setCurrentRow(self.stack.indexOf(area))

    def open_family(self, family_id: int) -> None:
        self.navigation.setCurrentRow(0)
        self.families.open_family(family_id)

    def open_account(self) -> OpenAccountDialog:
        """ "Ouvrir un compte famille…": the paper form's dialog (window-modal)."""
        from backoffice.ui.accounts import OpenAccountDialog

        dialog = OpenAccountDialog(self.db, self.actor, self, today=self.today)
        dialog.account_opened.connect(self._account_opened)
        dialog.open_existing.connect(self.open_family)
        dialog.finished.connect(dialog.deleteLater)
        self.open_account_dialog = dialog
        dialog.open()
        return dialog

    def _account_opened(self, family_id: int) -> None:
        self.families.list_page.run_search()
        self.refresh_status()
        self.open_family(family_id)

    def open_child_file(self, child_id: int) -> ChildFileDialog:
        from backoffice.ui.child_file.editor import ChildFileDialog

        dialog = ChildFileDialog(self.db, self.actor, child_id, self, self.today)
        dialog.saved.connect(self._child_file_saved)
        dialog.finished.connect(dialog.deleteLater)
        self.child_dialog = dialog
        dialog.open()
        return dialog

    def _child_file_saved(self, _child_id: int) -> None:
        if self.is_built("incomplete"):  # else built up to date when first shown
            self.incomplete.reload()

    def _account_form(self) -> None:
        from backoffice.ui.accounts import form_pdf_export  # when used (reportlab)

        form_pdf_export.export_form(self, self.db, self.actor, self.runner)

    def _paper_mail(self, what: str) -> None:
        from backoffice.ui.accounts import paper_mail  # when used (reportlab)

        print_it = (
            paper_mail.print_paper_invoices
            if what == "invoices"
            else paper_mail.print_answer_letter
        )
        print_it(self, self.db, self.runner, self.actor, self.today)

    def _registration_from_menu(self, unregister: bool) -> None:
        from backoffice.ui.registrations import card as registrations_card  # when used

        shown = self.families.currentWidget() if self.families.currentIndex() > 0 else None
        registrations_card.from_menu(shown, unregister, self)

    def show_child_planning(self, child_id: int, day: date | None = None) -> None:
        """The child's week in the « Planning » area (``day``'s, else the current one)."""
        self.show_area(self.planning)
        self.planning.show_child(child_id, day)

    def connect_card(self, source) -> None:
        """A family's card (its view, or the families area relaying its views): each of
        its lines opens the right area on the right record."""
        source.planningWeekRequested.connect(self.show_child_planning)
        source.requestRequested.connect(self.show_request)
        source.invoiceRequested.connect(self.show_invoice)
        source.paymentRequested.connect(lambda family_id, _payment: self.show_payments(family_id))

    def show_request(self, request_id: int) -> None:
        self.show_area(self.requests)
        self.requests.show_request(request_id)

    def show_invoice(self, family_id: int, invoice_id: int) -> None:
        self.show_area(self.payments)
        self.payments.show_invoice(family_id, invoice_id)

    def show_payments(self, family_id: int) -> None:
        self.show_area(self.payments)
        self.payments.show_family(family_id)

    def show_sync(self) -> None:
        self.show_area(self.sync_area)

    def focus_family_search(self) -> None:
        """Ctrl+F: the search of the current area when it has one (the requests desk,
        the planning), else the families' search."""
        area = self.stack.currentWidget()
        if area is not self.families and hasattr(area, "focus_search"):
            area.focus_search()
            return
        self.navigation.setCurrentRow(0)
        self.families.focus_search()

    def show_help(self, area: str | None = None) -> HelpWindow:
        """The help page of ``area`` (default: the current one), beside the window."""
        from backoffice.ui.help import HelpWindow

        name = area or self.navigation.currentItem().text()
        window = HelpWindow(name, self)
        self.help_window = window
        window.show()  # a new window comes on top
        return window

    def open_family_window(self, family_id: int) -> FamilyWindow:
        """The family's card in a window beside the current area (one per family)."""
        from backoffice.ui.families.window import FamilyWindow

        window = self.family_windows.get(family_id)
        if window is None:
            window = FamilyWindow(
                self.db, self.runner, self.actor, family_id, self, today=self.today
            )
            window.view.planningRequested.connect(self.show_child_planning)
            self.connect_card(window.view)
            window.destroyed.connect(lambda _o=None: self.family_windows.pop(family_id, None))
            self.family_windows[family_id] = window
            window.load()
            window.show()  # a new window comes on top
            return window
        window.show()
        window.raise_()  # already open, perhaps behind the main window
        window.activateWindow()
        return window

    def show_about(self) -> None:
        dialogs.information(
            self,
            f"Portail Famille — back-office, version {__version__}.\n"
            f"Base de données : {self.db.description}\n"
            f"Agent : {actor_text(self.actor)}",
            title="À propos",
        )

    # -- keyboard focus after a dialog ----------------------------------------

    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        """Remember the focused widget of this window; when the focus leaves a dialog
        shown over it for nowhere (the dialog closed), take it back."""
        if new is not None and new.window() is self:
            self._last_focus = new
        elif new is None and old is not None and self._shown_over(old.window()):
            QTimer.singleShot(0, self, self.take_focus_back)

    def _owns(self, window: QWindow | None) -> bool:
        """A window shown over this one (a dialog, or a dialog of a dialog)."""
        own = self.windowHandle()
        while window is not None:
            window = window.transientParent()
            if window is own:
                return True
        return False

    def _shown_over(self, widget: QWidget) -> bool:
        return widget is not self and widget.isWindow() and self._owns(widget.windowHandle())

    def take_focus_back(self) -> None:
        """Activate this window and focus the widget that had the focus before the
        dialog (if still there), else the current area."""
        if not self.isVisible() or QApplication.activeModalWidget() is not None:
            return
        if any(w.isVisible() and self._shown_over(w) for w in QApplication.topLevelWidgets()):
            return  # a dialog is still open: the agent only switched to another program
        active = QApplication.activeWindow()
        if active is not None and active is not self:
            return  # another window of ours is in use
        if active is None:
            self.activateWindow()
        focus = QApplication.focusWidget()
        if focus is not None and focus.window() is self and focus.isVisible():
            return
        target = self._last_focus
        usable = (
            target is not None
            and isValid(target)
            and target.window() is self
            and target.isVisible()
            and target.isEnabled()
        )
        if not usable:
            target = self.stack.currentWidget()
        target.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def closeEvent(self, event) -> None:  # noqa: N802
        if self._sync is not None:
            self._sync.stop()
        auto_backup = getattr(self, "auto_backup", None)
        if auto_backup is not None:
            auto_backup.at_close()  # the runner's shutdown below waits for it
        if self._owns_runner:
            self.runner.shutdown(wait=True)
        super().closeEvent(event)
