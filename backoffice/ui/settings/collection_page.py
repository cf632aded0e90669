"""Paramètres › « Trésor public (PES V2) »: the collectivity's codes for Hélios, each
Trésor régie's imputation, and the SEPA creditor (ICS, account) of the direct debits.

Loaded and saved off the GUI thread through
:mod:`backoffice.services.billing.collection_settings`, which checks every value.
"""

from __future__ import annotations

from sqlalchemy import select

from backoffice.models import Regie, Settlement
from backoffice.services.billing.collection_settings import (
    PES_KEYS,
    PES_LABEL_KEY,
    SEPA_KEYS,
    read_collection_settings,
    regie_keys,
    save_collection_settings,
)
from backoffice.services.common.actors import Actor, bind
from backoffice.storage import Database
from backoffice.ui.qt import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from backoffice.ui.tasks import TaskRunner

LABELS = {
    "pes.libelle": ("Libellé collectivité / budget", "Communauté de communes — budget principal"),
    "pes.siret": ("SIRET de la collectivité", "14 chiffres"),
    "pes.code_collectivite": ("Code collectivité (Hélios)", "3 caractères, ex. 045"),
    "pes.code_budget": ("Code budget", "ex. 01"),
    "pes.poste_comptable": ("Poste comptable", "6 ou 7 chiffres, ex. 045012"),
    "sepa.creditor_id": ("Identifiant créancier (ICS)", "ex. FR12ZZZ123456"),
    "sepa.creditor_name": ("Nom du créancier", "tel que connu de la banque"),
    "sepa.creditor_iban": ("IBAN du compte de la régie", "FR76 …"),
    "sepa.creditor_bic": ("BIC", "8 ou 11 caractères"),
}
FIELD_WIDTH = 360
LABEL_WIDTH = 400  # the three groups' fields line up


class CollectionSettingsPage(QWidget):
    def __init__(self, db: Database, actor: Actor, runner: TaskRunner, parent=None):
        super().__init__(parent)
        self.db, self.actor, self.runner = db, actor, runner
        self.fields: dict[str, QLineEdit] = {}
        intro = QLabel(
            "Les codes que le comptable public vous a communiqués pour les fichiers PES V2 "
            "(titres de recette ORMC envoyés à Hélios), l'imputation de chaque régie recouvrée "
            "par le Trésor public, et le créancier des prélèvements SEPA."
        )
        intro.setWordWrap(True)
        self.pes_box = QGroupBox("Collectivité (en-tête PES)")
        self._form(self.pes_box, [PES_LABEL_KEY, *PES_KEYS])
        self.regies_box = QGroupBox("Imputation par régie recouvrée par le Trésor public")
        self.regies_form = QFormLayout(self.regies_box)
        self.sepa_box = QGroupBox("Créancier des prélèvements SEPA")
        self._form(self.sepa_box, list(SEPA_KEYS))
        self.save_button = QPushButton("Enregistrer")
        self.save_button.clicked.connect(self.save)
        self.status = QLabel()
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.pes_box)
        layout.addWidget(self.regies_box)
        layout.addWidget(self.sepa_box)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.refresh()

    def _field(self, key: str, label: str, hint: str, form: QFormLayout) -> None:
        edit = QLineEdit()
        edit.setPlaceholderText(hint)
        edit.setAccessibleName(label)
        edit.setMaximumWidth(FIELD_WIDTH)
        self.fields[key] = edit
        caption = QLabel(f"{label} :")
        caption.setMinimumWidth(LABEL_WIDTH)
        form.addRow(caption, edit)

    def _form(self, box: QGroupBox, keys: list[str]) -> None:
        form = QFormLayout(box)
        for key in keys:
            label, hint = LABELS[key]
            self._field(key, label, hint, form)

    def refresh(self) -> None:
        def work() -> tuple[list[tuple[str, str]], dict[str, str]]:
            with self.db.session() as session:
                regies = [
                    (r.code, r.name)
                    for r in session.scalars(
                        select(Regie)
                        .where(Regie.settlement == Settlement.TRESOR_PUBLIC)
                        .order_by(Regie.code)
                    )
                ]
                keys = [*LABELS, *(k for code, _ in regies for k in regie_keys(code))]
                return regies, read_collection_settings(session, keys)

        self.runner.run(work, self._loaded, label="Chargement des paramètres…", parent=self)

    def _loaded(self, loaded: tuple[list[tuple[str, str]], dict[str, str]]) -> None:
        regies, values = loaded
        for code, name in regies:
            imputation, produit = regie_keys(code)
            if imputation not in self.fields:
                self._field(
                    imputation, f"{name} — imputation", "nature, ex. 7066", self.regies_form
                )
                self._field(
                    produit, f"{name} — code produit", "4 caractères au plus", self.regies_form
                )
        for key, edit in self.fields.items():
            edit.setText(values.get(key, ""))

    def save(self) -> None:
        values = {key: edit.text() for key, edit in self.fields.items()}
        actor = self.actor

        def work() -> None:
            with self.db.session() as session:
                bind(session, actor)
                save_collection_settings(session, actor, values)

        def done(_result) -> None:
            self.status.setText("Paramètres enregistrés.")

        self.runner.run(work, done, label="Enregistrement des paramètres…", parent=self)
