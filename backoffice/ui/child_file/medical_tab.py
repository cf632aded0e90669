"""« Fiche sanitaire »: vaccines, diseases, allergies, history, observations, doctor, PAI.

Built only for roles that may see health data; the others get
:func:`medical_notice` instead (the editor decides).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backoffice.services.child_file.completeness import missing_vaccines
from backoffice.services.child_file.editing import MedicalData
from backoffice.services.child_file.medical import (
    ALLERGY_FIELDS,
    OBSERVATION_FIELDS,
    MedicalForm,
    VaccineAnswer,
)
from backoffice.services.child_file.reference import DISEASES, VACCINES, compulsory_vaccines
from backoffice.ui.qt import (
    QCheckBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    Qt,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from backoffice.ui.widgets import (
    LANDLINE_PLACEHOLDER,
    DateField,
    ErrorLabel,
    FieldErrorsView,
    FormField,
    PhoneField,
    YesNo,
    mandatory,
    muted_label,
)

COLUMN_GAP = 14  # between a question and its answer: « Rhumatisme articulaire aigu   Oui »
NOTICE = (
    "La fiche sanitaire contient des données de santé : seuls les directeurs·rices de site "
    "et les administrateurs peuvent la consulter et la modifier.\n\n"
    "Les alertes utiles à l'accueil de l'enfant (PAI, allergies) restent affichées en haut "
    "de la fiche, et les éléments manquants y sont listés."
)
DATE_MISSING = "Date manquante"
VACCINE_MISSING = "À renseigner"
VACCINES_LEGEND = (
    "En gras et suivis d'un astérisque : vaccins obligatoires pour cet enfant. "
    "Un vaccin obligatoire compte quand « Effectué » est coché et la date de la "
    "dernière vaccination saisie."
)


@dataclass(frozen=True)
class _TypedVaccine:
    """A vaccine line as typed, read by the completeness rule."""

    vaccine: str
    done: bool
    last_date: date | None


def medical_notice() -> QWidget:
    page = QWidget()
    layout = QVBoxLayout(page)
    title = QLabel("<b>Fiche sanitaire non consultable avec votre rôle</b>")
    text = QLabel(NOTICE)
    text.setWordWrap(True)
    layout.addSpacing(20)
    layout.addWidget(title)
    layout.addWidget(text)
    layout.addStretch(1)
    page.setAccessibleName("Fiche sanitaire non consultable")
    return page


def _text_box(height: int) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setFixedHeight(height)
    return box


class MedicalTab(QScrollArea):
    def __init__(
        self,
        errors: FieldErrorsView,
        tabs: QTabWidget,
        birth_date: date,
        age_months: int,
        today: date | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.errors = errors
        self.birth_date, self.age_months = birth_date, age_months
        page = QWidget()
        self.setWidget(page)
        due = set(compulsory_vaccines(birth_date, age_months))

        def slot(key: str, focus: QWidget) -> QLabel:
            return errors.add(key, focus, tabs, self)

        def with_error(key: str, widget: QWidget) -> FormField:
            return errors.field(key, widget, None, tabs, self)

        # Vaccinations ----------------------------------------------------------
        vaccines_box = QGroupBox("Vaccinations")
        grid = QGridLayout(vaccines_box)
        grid.setHorizontalSpacing(COLUMN_GAP)
        for column, title in enumerate(("Vaccin", "Effectué", "Dernière vaccination")):
            grid.addWidget(QLabel(f"<b>{title}</b>"), 0, column)
        self.vaccine_done: dict[str, QCheckBox] = {}
        self.vaccine_date: dict[str, DateField] = {}
        # Beside each compulsory vaccine's date: what the file still lacks for it.
        self.vaccine_hint: dict[str, ErrorLabel] = {}
        row = 1
        for code, label in VACCINES.items():
            name = QLabel(f"<b>{mandatory(label)}</b>" if code in due else label)
            done = QCheckBox()
            done.setAccessibleName(f"{label} : effectué")
            when = DateField(today=today)
            when.setAccessibleName(f"{label} : dernière vaccination")
            when.textEdited.connect(lambda text, box=done: box.setChecked(True) if text else None)
            done.toggled.connect(self._update_vaccine_hints)
            when.textChanged.connect(self._update_vaccine_hints)
            grid.addWidget(name, row, 0)
            grid.addWidget(done, row, 1, Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(when, row, 2)
            if code in due:
                hint = ErrorLabel()
                hint.setWordWrap(False)
                # Room kept for the longest hint: the grid does not move as hints come.
                hint.setMinimumWidth(
                    max(
                        hint.fontMetrics().horizontalAdvance(t)
                        for t in (DATE_MISSING, VACCINE_MISSING)
                    )
                    + 4
                )
                policy = hint.sizePolicy()
                policy.setRetainSizeWhenHidden(True)
                hint.setSizePolicy(policy)
                hint.setAccessibleName(f"{label} : manquant")
                self.vaccine_hint[code] = hint
                grid.addWidget(hint, row, 3)
            grid.addWidget(slot(f"vaccines.{code}", when), row + 1, 0, 1, 4)
            self.vaccine_done[code], self.vaccine_date[code] = done, when
            row += 2
        grid.setColumnStretch(3, 1)
        grid.addWidget(muted_label(VACCINES_LEGEND), row, 0, 1, 4)

        # Diseases ----------------------------------------------------------------
        diseases_box = QGroupBox("Maladies déjà contractées")
        grid = QGridLayout(diseases_box)
        grid.setHorizontalSpacing(COLUMN_GAP)
        self.diseases: dict[str, YesNo] = {}
        for row, (code, label) in enumerate(DISEASES.items()):
            self.diseases[code] = YesNo(label, default=False)
            grid.addWidget(QLabel(label), row, 0)
            grid.addWidget(self.diseases[code], row, 1)

        # Allergies -----------------------------------------------------------------
        allergies_box = QGroupBox("Allergies")
        grid = QGridLayout(allergies_box)
        grid.setHorizontalSpacing(COLUMN_GAP)
        self.allergies: dict[str, YesNo] = {}
        for row, (field, label) in enumerate(ALLERGY_FIELDS.items()):
            self.allergies[field] = YesNo(f"Allergie {label.lower()}", default=False)
            self.allergies[field].changed.connect(self._update_mandatory)
            grid.addWidget(QLabel(label), row, 0)
            grid.addWidget(self.allergies[field], row, 1)
        self.allergy_detail = _text_box(54)
        self.allergy_detail.setAccessibleName("Allergies : précisez")
        self.allergy_detail.setPlaceholderText("Allergènes, réactions, conduite à tenir")
        self.allergy_detail_label = QLabel("Précisez")
        grid.addWidget(self.allergy_detail_label, len(ALLERGY_FIELDS), 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(with_error("allergy_detail", self.allergy_detail), len(ALLERGY_FIELDS), 1)

        # History -------------------------------------------------------------------
        history_box = QGroupBox("Antécédents médicaux")
        self.medical_history = _text_box(70)
        self.medical_history.setAccessibleName("Antécédents médicaux")
        self.medical_history.setPlaceholderText(
            "Maladies, accidents, opérations, hospitalisations…"
        )
        QVBoxLayout(history_box).addWidget(self.medical_history)

        # Observations ----------------------------------------------------------------
        observations_box = QGroupBox("Observations")
        grid = QGridLayout(observations_box)
        self.observation_checks: dict[str, QCheckBox] = {}
        for index, (field, label) in enumerate(OBSERVATION_FIELDS.items()):
            self.observation_checks[field] = QCheckBox(label)
            grid.addWidget(self.observation_checks[field], index // 2, index % 2)
        self.observations = _text_box(54)
        self.observations.setAccessibleName("Observations")
        self.observations.setPlaceholderText("Autres observations")
        grid.addWidget(self.observations, 3, 0, 1, 2)

        # Doctor ----------------------------------------------------------------------
        doctor_box = QGroupBox("Médecin traitant")
        form = QFormLayout(doctor_box)
        self.doctor_name = QLineEdit()
        self.doctor_name.setAccessibleName("Nom du médecin")
        self.doctor_phone = PhoneField(placeholder=LANDLINE_PLACEHOLDER)
        self.doctor_phone.setAccessibleName("Téléphone du médecin")
        self.doctor_commune = QLineEdit()
        self.doctor_commune.setAccessibleName("Commune du médecin")
        form.addRow(mandatory("Nom"), with_error("doctor_name", self.doctor_name))
        form.addRow(mandatory("Téléphone"), with_error("doctor_phone", self.doctor_phone))
        form.addRow("Commune", with_error("doctor_commune", self.doctor_commune))

        # PAI ---------------------------------------------------------------------------
        pai_box = QGroupBox("PAI (projet d'accueil individualisé)")
        grid = QGridLayout(pai_box)
        grid.setHorizontalSpacing(COLUMN_GAP)
        self.has_pai = YesNo("PAI", default=False)
        self.has_pai.changed.connect(self._update_mandatory)
        self.pai_detail = _text_box(54)
        self.pai_detail.setAccessibleName("PAI : précisez")
        self.pai_detail_label = QLabel("Précisez")
        grid.addWidget(QLabel("L'enfant a un PAI"), 0, 0)
        grid.addWidget(self.has_pai, 0, 1)
        grid.addWidget(self.pai_detail_label, 1, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(with_error("pai_detail", self.pai_detail), 1, 1)

        columns = QHBoxLayout(page)
        for boxes in (
            (vaccines_box, doctor_box),
            (diseases_box, history_box, pai_box),
            (allergies_box, observations_box),
        ):
            column = QVBoxLayout()
            for box in boxes:
                column.addWidget(box)
            column.addStretch(1)
            columns.addLayout(column, 1)

    def _update_mandatory(self) -> None:
        """« Précisez » turns mandatory (asterisk) once an allergy or the PAI says Oui."""
        allergy = any(w.value for w in self.allergies.values())
        self.allergy_detail_label.setText(mandatory("Précisez") if allergy else "Précisez")
        self.pai_detail_label.setText(mandatory("Précisez") if self.has_pai.value else "Précisez")

    def _update_vaccine_hints(self, *_args) -> None:
        """Beside each compulsory vaccine still missing (by the file's completeness
        rule, on what is typed): « Date manquante » when « Effectué » is ticked
        without a readable date, else « À renseigner »."""
        typed = [
            _TypedVaccine(code, self.vaccine_done[code].isChecked(), self.vaccine_date[code].date())
            for code in self.vaccine_done
        ]
        missing = set(missing_vaccines(typed, self.birth_date, self.age_months))
        for code, hint in self.vaccine_hint.items():
            if code not in missing:
                hint.show_error("")
            elif self.vaccine_done[code].isChecked():
                hint.show_error(DATE_MISSING)
                hint.setToolTip("Saisissez la date de la dernière vaccination (jj/mm/aaaa).")
            else:
                hint.show_error(VACCINE_MISSING)
                hint.setToolTip("Vaccin obligatoire : cochez « Effectué » et saisissez la date.")

    def set_data(self, data: MedicalData) -> None:
        for line in data.vaccines:
            self.vaccine_done[line.code].setChecked(line.done)
            self.vaccine_date[line.code].set_date(line.last_date)
        for line in data.diseases:
            self.diseases[line.code].set_value(line.had)
        for field, widget in self.allergies.items():
            widget.set_value(getattr(data, field))
        for field, widget in self.observation_checks.items():
            widget.setChecked(getattr(data, field))
        self.has_pai.set_value(data.has_pai)
        self.allergy_detail.setPlainText(data.allergy_detail)
        self.medical_history.setPlainText(data.medical_history)
        self.observations.setPlainText(data.observations)
        self.pai_detail.setPlainText(data.pai_detail)
        self.doctor_name.setText(data.doctor_name)
        self.doctor_phone.setText(data.doctor_phone)
        self.doctor_commune.setText(data.doctor_commune)
        self._update_mandatory()
        self._update_vaccine_hints()

    def form(self, errors: dict[str, str]) -> MedicalForm:
        """What is typed; dates that do not parse go to ``errors``."""
        vaccines = {}
        for code, label in VACCINES.items():
            when = self.vaccine_date[code].date_or_error(
                errors, f"vaccines.{code}", f"{label} : dernière vaccination"
            )
            vaccines[code] = VaccineAnswer(self.vaccine_done[code].isChecked(), when)
        return MedicalForm(
            vaccines=vaccines,
            diseases={code: bool(w.value) for code, w in self.diseases.items()},
            allergy_detail=self.allergy_detail.toPlainText(),
            medical_history=self.medical_history.toPlainText(),
            observations=self.observations.toPlainText(),
            doctor_name=self.doctor_name.text(),
            doctor_phone=self.doctor_phone.text(),
            doctor_commune=self.doctor_commune.text(),
            has_pai=bool(self.has_pai.value),
            pai_detail=self.pai_detail.toPlainText(),
            **{field: bool(w.value) for field, w in self.allergies.items()},
            **{field: w.isChecked() for field, w in self.observation_checks.items()},
        )
