"""« Charger un formulaire PDF… » in the account dialog: the mailed form, read instead of retyped.

The PDF is read off the GUI thread (:func:`backoffice.services.families.form_pdf.read_form`);
its values go into the dialog's fields as raw text, exactly as if the agent had typed
them, so the dialog's own check (« Enregistrer ») judges them and shows every error
beside its field. Nothing is saved by loading. Once the agent has confirmed and the
account exists, the form's child-file blocks (fiche sanitaire, persons to call,
consents) are saved through the child file's services.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from backoffice.errors import UserError
from backoffice.models import AllowanceScheme, Sex
from backoffice.services.families.form_pdf import (
    MailedForm,
    apply_child_files,
    medical_form,
    read_form,
)
from backoffice.ui import dialogs, files
from backoffice.ui.accounts.sections import CIVILITIES
from backoffice.ui.qt import QHBoxLayout, QPushButton
from backoffice.ui.tasks import TaskRunner

# The account dialog (backoffice.ui.accounts.open_account.OpenAccountDialog), not
# imported: it imports this module.
OpenAccountDialog = Any

log = logging.getLogger(__name__)

BUTTON_TEXT = "Charger un formulaire PDF…"
SCHEMES = {"caf": AllowanceScheme.CAF, "msa": AllowanceScheme.MSA, "aucun": AllowanceScheme.NONE}
CIVILITY_WORDS = {"madame": "Mme", "mme": "Mme", "monsieur": "M.", "m": "M.", "m.": "M."}


def _runner(dialog: OpenAccountDialog) -> TaskRunner:
    runner = getattr(dialog, "form_pdf_runner", None)
    if runner is None:
        runner = TaskRunner(parent=dialog)
        dialog.form_pdf_runner = runner  # type: ignore[attr-defined]
    return runner


def install(dialog: OpenAccountDialog, buttons: QHBoxLayout) -> QPushButton:
    """The dialog's « Charger un formulaire PDF… » button; once the account is created,
    the loaded form's child-file blocks are saved."""
    button = QPushButton(BUTTON_TEXT)
    button.setToolTip("Pré-remplir avec le formulaire PDF rempli par les parents")
    button.setAutoDefault(False)
    button.clicked.connect(lambda: choose_and_load(dialog))
    buttons.addWidget(button)
    dialog.account_opened.connect(lambda family_id: save_child_files(dialog, family_id))
    return button


def choose_and_load(dialog: OpenAccountDialog) -> None:
    """The button's action: pick the PDF, read it in the background, fill the dialog."""
    path = files.choose_file(dialog, "Charger un formulaire d'ouverture de compte", Path.home())
    if path is None:
        return
    load_file(dialog, path)


def load_file(dialog: OpenAccountDialog, path: Path) -> None:
    actor = dialog.actor

    def work() -> MailedForm:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise UserError(f"Le fichier {path} n'a pas pu être lu ({exc.strerror}).") from exc
        return read_form(actor, data)

    def failed(exc: BaseException) -> None:
        message = str(exc) if isinstance(exc, UserError) else f"Lecture impossible : {exc}"
        dialogs.warning(dialog, message, title="Formulaire PDF")

    _runner(dialog).run(
        work,
        lambda mailed: fill_dialog(dialog, mailed),
        failed,
        label="Lecture du formulaire PDF…",
        parent=dialog,
    )


def fill_dialog(dialog: OpenAccountDialog, mailed: MailedForm) -> None:
    """Put the form's values in the dialog's fields, as typed; check nothing, save nothing."""
    f = mailed.family
    dialog.clear_errors()
    dialog.family_name.setText(f.get("family_name", ""))
    dialog.address_line1.setText(f.get("address_line1", ""))
    dialog.address_line2.setText(f.get("address_line2", ""))
    dialog.commune.postcode_edit.setText(f.get("postcode", ""))
    dialog.commune.commune_edit.setText(f.get("commune", ""))
    dialog.phone.setText(f.get("phone", ""))
    dialog.login_email.setText(f.get("login_email", ""))
    dialog.billing_email.setText(f.get("billing_email", ""))
    for box, values in zip((dialog.guardian1, dialog.guardian2), mailed.guardians, strict=False):
        civility = values.get("civility", "")
        civility = CIVILITY_WORDS.get(civility.lower(), civility)
        box.civility.setCurrentIndex(CIVILITIES.index(civility) if civility in CIVILITIES else 0)
        box.last_name.setText(values.get("last_name", ""))
        box.first_name.setText(values.get("first_name", ""))
        box.relationship.setCurrentText(values.get("relationship", ""))
        box.email.setText(values.get("email", ""))
        box.mobile_phone.setText(values.get("mobile_phone", ""))
        box.home_phone.setText(values.get("home_phone", ""))
        box.work_phone.setText(values.get("work_phone", ""))
        box.profession.setText(values.get("profession", ""))
    (dialog.guardian2 if mailed.payer == "r2" else dialog.guardian1).payer.setChecked(True)
    section = dialog.children_section
    for row in list(section.rows):
        section.remove_row(row)
    for child in mailed.children or []:
        row = section.add_row()
        c = child.identity
        row.first_name.setText(c.get("first_name", ""))
        if c.get("last_name"):
            row.last_name.setText(c["last_name"])
        sex = {"F": Sex.FEMALE, "M": Sex.MALE}.get(c.get("sex", "").upper())
        row.sex.setCurrentIndex(max(row.sex.findData(sex), 0) if sex else 0)
        row.birth_date.setText(c.get("birth_date", ""))
        row.school.setText(c.get("school", ""))
        row.school_class.setCurrentText(c.get("school_class", ""))
    if not section.rows:
        section.add_row()
    a = dialog.allowance
    scheme = SCHEMES.get(mailed.scheme.lower())
    if scheme is not None:
        a.scheme_buttons[scheme].setChecked(True)
    a.number.setText(mailed.allowance.get("number", ""))
    a.quotient.setText(mailed.allowance.get("quotient", ""))
    if mailed.allowance.get("from"):
        a.quotient_from.setText(mailed.allowance["from"])
    a.quotient_to.setText(mailed.allowance.get("to", ""))
    dialog.loaded_form = mailed  # type: ignore[attr-defined]
    dialog.family_name.setFocus()
    problems = [
        message
        for child in mailed.children
        for message in medical_form(child, dialog.today)[1].values()
    ]
    text = (
        "Le formulaire est chargé dans la fenêtre : relisez chaque champ, corrigez si besoin"
        " puis « Enregistrer ». Rien n'est enregistré avant."
    )
    if problems:
        text += "\n\nFiche sanitaire à corriger après l'ouverture du compte :\n" + "\n".join(
            problems
        )
    dialogs.information(dialog, text, title="Formulaire PDF chargé")


def save_child_files(dialog: OpenAccountDialog, family_id: int) -> None:
    """After the account is created: the form's fiches sanitaires, persons and consents."""
    mailed: MailedForm | None = getattr(dialog, "loaded_form", None)
    if mailed is None:
        return
    try:
        with dialog.db.session() as session:
            result = apply_child_files(session, dialog.actor, family_id, mailed, dialog.today)
    except UserError as exc:
        dialogs.warning(
            dialog,
            "Le compte est créé, mais les fiches des enfants du formulaire n'ont pas été"
            f" enregistrées ; saisissez-les dans le dossier de chaque enfant :\n{exc}",
            title="Formulaire PDF",
        )
        return
    if result.skipped:
        dialogs.information(dialog, "\n".join(result.skipped), title="Formulaire PDF")
