"""The child file editor: the five blocks of the parents' "Enfant" form, as tabs.

« Informations », « Fiche sanitaire » and « Autorisations » are saved together
by « Enregistrer » (one transaction; every error shown next to its field,
nothing typed lost). People are saved at once from their own window, like on
the portal. The completeness indicator at the top is recomputed after each save.
"""

from __future__ import annotations

from datetime import date
from html import escape

from backoffice.errors import UserError
from backoffice.models import Sex
from backoffice.services.child_file.consents import ConsentChoice
from backoffice.services.child_file.editing import ChildFile, ChildInformationForm, load_child_file
from backoffice.services.child_file.reference import SCHOOL_CLASSES
from backoffice.services.child_file.saving import save_child_file
from backoffice.services.common.actors import Actor
from backoffice.services.common.validation import FieldErrors
from backoffice.storage import Database
from backoffice.ui import dialogs
from backoffice.ui.child_file.medical_tab import MedicalTab, medical_notice
from backoffice.ui.child_file.people_tabs import EmergencyContactsTab, PickupTab
from backoffice.ui.qt import (
    QButtonGroup,
    QColor,
    QComboBox,
    QDialog,
    QFont,
    QFontMetrics,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPalette,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    Qt,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.widgets import (
    ERROR_COLOUR,
    MANDATORY_LEGEND,
    DateField,
    FieldErrorsView,
    FormField,
    YesNo,
    mandatory,
    muted_label,
)

COMPLETE_COLOUR = "#1e7b34"
ALERT_STYLE = "background-color:#fde3c0; color:#7a3e00; font-weight:bold"

# The header keeps one height whatever the child: the tabs never move under the mouse.
COMPLETENESS_LINES = 3

TAB_INFORMATION = "Informations"
TAB_MEDICAL = "Fiche sanitaire"
TAB_EMERGENCY = "Personnes à contacter en cas d'urgence"
TAB_PICKUP = "Personnes autorisées à venir chercher l'enfant"
TAB_CONSENTS = "Autorisations"


def age_text(years: int, months: int) -> str:
    if years < 1:
        return f"{months} mois"
    if years < 3:
        rest = months - 12 * years
        return f"{years} an{'s' if years > 1 else ''}" + (f" {rest} mois" if rest else "")
    return f"{years} ans"


def completeness_html(file: ChildFile) -> str:
    if file.complete:
        return f'<span style="color:{COMPLETE_COLOUR}; font-weight:bold">✔ Dossier complet</span>'
    items = list(file.missing) + [f"Famille : {item}" for item in file.family_missing]
    return (
        f'<span style="color:{ERROR_COLOUR}; font-weight:bold">Dossier incomplet — '
        f"{len(items)} élément{'s' if len(items) > 1 else ''} manquant"
        f"{'s' if len(items) > 1 else ''} :</span> "
        f'<span style="color:{ERROR_COLOUR}">{" · ".join(escape(i, quote=False) for i in items)}</span>'
    )


class InformationTab(QWidget):
    def __init__(
        self,
        errors: FieldErrorsView,
        tabs: QTabWidget,
        today: date | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.last_name = QLineEdit()
        self.first_name = QLineEdit()
        self.female = QRadioButton("Fille")
        self.male = QRadioButton("Garçon")
        self.sex_group = QButtonGroup(self)
        self.sex_group.addButton(self.female)
        self.sex_group.addButton(self.male)
        sex = QWidget()
        sex_layout = QHBoxLayout(sex)
        sex_layout.setContentsMargins(0, 0, 0, 0)
        sex_layout.addWidget(self.female)
        sex_layout.addWidget(self.male)
        sex_layout.addStretch(1)
        self.birth_date = DateField(today=today)
        self.school = QLineEdit()
        self.school_class = QComboBox()
        self.school_class.setEditable(True)
        self.school_class.addItems(SCHOOL_CLASSES)
        self.school_class.setMaximumWidth(140)
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(90)
        for widget, name in (
            (self.last_name, "Nom"),
            (self.first_name, "Prénom"),
            (self.birth_date, "Date de naissance"),
            (self.school, "École"),
            (self.school_class, "Classe"),
            (self.notes, "Remarques"),
        ):
            widget.setAccessibleName(name)

        def field(key: str, widget: QWidget, focus: QWidget | None = None) -> FormField:
            return errors.field(key, widget, focus, tabs, self)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(mandatory("Nom"), field("last_name", self.last_name))
        form.addRow(mandatory("Prénom"), field("first_name", self.first_name))
        form.addRow(mandatory("Sexe"), field("sex", sex, self.female))
        form.addRow(mandatory("Date de naissance"), field("birth_date", self.birth_date))
        form.addRow("École", field("school", self.school))
        form.addRow("Classe", field("school_class", self.school_class))
        form.addRow("Remarques", self.notes)
        holder = QWidget()
        holder.setMaximumWidth(720)
        holder.setLayout(form)
        layout = QVBoxLayout(self)
        layout.addWidget(holder)
        layout.addWidget(muted_label("L'école est attendue pour les enfants de 3 à 17 ans."))
        layout.addStretch(1)

    def set_file(self, file: ChildFile) -> None:
        self.last_name.setText(file.last_name)
        self.first_name.setText(file.first_name)
        (self.female if file.sex is Sex.FEMALE else self.male).setChecked(True)
        self.birth_date.set_date(file.birth_date)
        self.school.setText(file.school)
        self.school_class.setCurrentText(file.school_class)
        self.notes.setPlainText(file.notes)

    def form(self, errors: dict[str, str]) -> ChildInformationForm:
        sex = Sex.FEMALE if self.female.isChecked() else Sex.MALE if self.male.isChecked() else None
        return ChildInformationForm(
            last_name=self.last_name.text(),
            first_name=self.first_name.text(),
            sex=sex,
            birth_date=self.birth_date.date_or_error(errors, "birth_date", "Date de naissance"),
            school=self.school.text(),
            school_class=self.school_class.currentText(),
            notes=self.notes.toPlainText(),
        )


class ConsentsTab(QScrollArea):
    """Oui / Non per consent of the catalogue that applies at the child's age."""

    def __init__(self, errors: FieldErrorsView, tabs: QTabWidget, file: ChildFile, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        page = QWidget()
        self.setWidget(page)
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(10)
        for column, title in enumerate(("Autorisation", "Réponse", "Précisez")):
            grid.addWidget(QLabel(f"<b>{title}</b>"), 0, column)
        self.answers: dict[int, YesNo] = {}
        self.details: dict[int, QLineEdit] = {}
        for row, consent in enumerate(file.consents, start=1):
            title = mandatory(consent.label) if consent.mandatory else consent.label
            label = QLabel(
                f"<b>{escape(title)}</b><br>"
                f'<span style="color:#666666">{escape(consent.description)}</span>'
            )
            label.setWordWrap(True)
            label.setMinimumWidth(420)
            answer = YesNo(consent.label)
            self.answers[consent.consent_id] = answer
            grid.addWidget(label, row, 0)
            grid.addWidget(answer, row, 1, Qt.AlignmentFlag.AlignTop)
            focus: QWidget = answer.yes
            if consent.asks_detail:
                detail = QLineEdit()
                detail.setAccessibleName(f"{consent.label} : précisez")
                detail.setPlaceholderText("par ex. l'heure : 17 h 30")
                self.details[consent.consent_id] = detail
                answer.changed.connect(lambda a=answer, d=detail: d.setEnabled(bool(a.value)))
                focus = detail
            error = errors.add(f"consents.{consent.consent_id}", focus, tabs, self)
            cell = QWidget()
            cell_layout = QVBoxLayout(cell)
            cell_layout.setContentsMargins(0, 0, 0, 0)
            if consent.asks_detail:
                cell_layout.addWidget(self.details[consent.consent_id])
            cell_layout.addWidget(error)
            cell_layout.addStretch(1)
            grid.addWidget(cell, row, 2)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(2, 2)
        layout = QVBoxLayout(page)
        if not file.consents:
            layout.addWidget(muted_label("Aucune autorisation n'est demandée pour cet enfant."))
        layout.addLayout(grid)
        layout.addStretch(1)

    def set_file(self, file: ChildFile) -> None:
        for consent in file.consents:
            self.answers[consent.consent_id].set_value(consent.granted)
            if consent.consent_id in self.details:
                self.details[consent.consent_id].setText(consent.detail)
                self.details[consent.consent_id].setEnabled(bool(consent.granted))

    def choices(self) -> dict[int, ConsentChoice]:
        return {
            consent_id: ConsentChoice(
                answer.value,
                self.details[consent_id].text() if consent_id in self.details else "",
            )
            for consent_id, answer in self.answers.items()
        }


class ChildFileDialog(QDialog):
    """A child's whole file; ``saved(child_id)`` after each successful change."""

    saved = Signal(int)

    def __init__(
        self,
        db: Database,
        actor: Actor,
        child_id: int,
        parent: QWidget | None = None,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.child_id = child_id
        self.today = today or date.today()
        with db.session() as session:
            self.file = load_child_file(session, actor, child_id, self.today)
        self.errors = FieldErrorsView()
        self.resize(1240, 760)

        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        title_font = QFont(self.title.font())
        title_font.setPointSize(15)
        self.title.setFixedHeight(QFontMetrics(title_font).lineSpacing() + 8)
        self.completeness = QLabel()
        self.completeness.setWordWrap(True)
        self.completeness.setTextFormat(Qt.TextFormat.RichText)
        self.completeness.setAccessibleName("Complétude du dossier")
        self.completeness.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.completeness.setFixedHeight(
            COMPLETENESS_LINES * self.completeness.fontMetrics().lineSpacing() + 4
        )
        self.error_banner = QLabel()
        self.error_banner.setStyleSheet(f"color: {ERROR_COLOUR}; font-weight: bold;")
        self.error_banner.hide()

        self.tabs = QTabWidget()
        self.information = InformationTab(self.errors, self.tabs, self.today)
        self.tabs.addTab(self.information, TAB_INFORMATION)
        self.medical: MedicalTab | None = None
        if self.file.medical is not None:
            self.medical = MedicalTab(
                self.errors, self.tabs, self.file.birth_date, self.file.age_months, self.today
            )
            self.tabs.addTab(self.medical, TAB_MEDICAL)
        else:
            self.medical_notice = medical_notice()
            self.tabs.addTab(self.medical_notice, TAB_MEDICAL)
        self.emergency = EmergencyContactsTab(self)
        self.tabs.addTab(self.emergency, TAB_EMERGENCY)
        self.pickup = PickupTab(self)
        self.tabs.addTab(self.pickup, TAB_PICKUP)
        self.consents = ConsentsTab(self.errors, self.tabs, self.file)
        self.tabs.addTab(self.consents, TAB_CONSENTS)

        self.status = muted_label("")
        self.reload_button = QPushButton("Recharger")
        self.reload_button.setToolTip(
            "Relire la fiche dans la base (abandonne les saisies non enregistrées)"
        )
        self.save_button = QPushButton("Enregistrer")
        self.save_button.setDefault(True)
        self.save_button.setToolTip(
            "Enregistre les informations, la fiche sanitaire et les autorisations"
        )
        self.close_button = QPushButton("Fermer")
        self.reload_button.clicked.connect(self.reload)
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(muted_label(MANDATORY_LEGEND), 1)
        buttons.addWidget(self.status)
        buttons.addWidget(self.reload_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.completeness)
        layout.addWidget(self.error_banner)
        layout.addWidget(self.errors.unplaced)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)
        self._fill(self.file)
        self.information.last_name.setFocus()

    # -- showing -------------------------------------------------------------

    def _fill(self, file: ChildFile, *, people_only: bool = False) -> None:
        self.file = file
        self.setWindowTitle(f"Fiche enfant — {file.full_name} ({file.family_code})")
        born = "née" if file.sex is Sex.FEMALE else "né"
        alerts = " ".join(
            f'<span style="{ALERT_STYLE}">&nbsp;{escape(a)}&nbsp;</span>' for a in file.alerts
        )
        self.title.setText(
            f'<span style="font-size:15pt; font-weight:bold">{escape(file.full_name)}</span>'
            f"&nbsp;&nbsp;{escape(age_text(file.age, file.age_months))}, {born} le "
            f"{file.birth_date:%d/%m/%Y}&nbsp;&nbsp;·&nbsp;&nbsp;Famille "
            f"{escape(file.family_name)} ({escape(file.family_code)})&nbsp;&nbsp;{alerts}"
        )
        self.completeness.setText(completeness_html(file))
        self.completeness.setToolTip(completeness_html(file))
        self.emergency.set_file(file)
        self.pickup.set_file(file)
        if people_only:
            return
        self.information.set_file(file)
        if self.medical is not None and file.medical is not None:
            self.medical.set_data(file.medical)
        self.consents.set_file(file)

    def _load(self) -> ChildFile:
        with self.db.session() as session:
            return load_child_file(
                session, self.actor, self.child_id, self.today, record_access=False
            )

    def reload(self) -> None:
        """Read the file again (after another agent's change)."""
        self._clear_errors()
        self._fill(self._load())
        self.status.setText("Fiche rechargée.")

    def people_changed(self) -> None:
        """After a person was added, changed or removed (saved at once)."""
        self._fill(self._load(), people_only=True)
        self.saved.emit(self.child_id)

    # -- saving --------------------------------------------------------------

    def _show_errors(self, errors: dict[str, str]) -> None:
        self._clear_errors()
        self.errors.show(errors)
        bar = self.tabs.tabBar()
        names = []
        for tab in self.errors.tabs_with_errors(errors):
            index = self.tabs.indexOf(tab)
            bar.setTabTextColor(index, QColor(ERROR_COLOUR))
            names.append(f"« {self.tabs.tabText(index)} »")
        count = len(errors)
        where = f" dans {', '.join(names)}" if names else ""
        self.error_banner.setText(
            f"Rien n'a été enregistré : {count} champ{'s' if count > 1 else ''} à corriger"
            f"{where} (message en rouge sous chaque champ)."
        )
        self.error_banner.show()
        self.status.setText("")

    def _clear_errors(self) -> None:
        self.errors.clear()
        self.error_banner.hide()
        bar = self.tabs.tabBar()
        for index in range(self.tabs.count()):
            bar.setTabTextColor(index, self.palette().color(QPalette.ColorRole.WindowText))

    def save(self) -> bool:
        """Save information, medical record and consents in one transaction."""
        typed: dict[str, str] = {}
        information = self.information.form(typed)
        medical = self.medical.form(typed) if self.medical is not None else None
        choices = self.consents.choices()
        file, actor, today = self.file, self.actor, self.today
        try:
            with self.db.session() as session:
                save_child_file(
                    session,
                    actor,
                    file.child_id,
                    information,
                    choices,
                    version=file.version,
                    today=today,
                    medical=medical if file.medical is not None else None,
                    medical_version=file.medical.version if file.medical is not None else None,
                    typed_errors=typed,
                )
        except FieldErrors as exc:
            self._show_errors(exc.errors)
            return False
        except UserError as exc:
            dialogs.warning(self, str(exc))
            return False
        self._clear_errors()
        self._fill(self._load())
        self.status.setText("Fiche enregistrée.")
        self.saved.emit(self.child_id)
        return True
