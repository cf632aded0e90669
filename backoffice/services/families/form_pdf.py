"""The account-opening form as a fillable PDF: what it asks, and reading it back.

:func:`blank_form` renders the form from the catalogue (the consents the activities
ask) and the settings (the collectivity's header), with the compulsory vaccines of
:mod:`fieldrules.child_file` first. :func:`read_form` reads a form a parent filled in
(pypdf, the AcroForm field values) into raw texts, exactly as an agent would type
them: nothing is checked or saved here — the account dialog shows the values, checks
them as if typed and saves only when the agent confirms. :func:`apply_child_files`
then saves the child-file blocks of the form (fiche sanitaire, persons to call,
consents) for the children just created, through the child file's own services.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.dates import date_error, parse_french_date
from backoffice.documents.invoice_data import issuer_from_settings
from backoffice.errors import UserError
from backoffice.models import Child, ConsentDefinition, Role
from backoffice.services.child_file.consents import ConsentChoice, save_consents
from backoffice.services.child_file.contacts import ContactForm, add_contact, link_contact
from backoffice.services.child_file.medical import MedicalForm, VaccineAnswer, save_medical_record
from backoffice.services.common import outbox
from backoffice.services.common.actors import Actor, bind
from backoffice.services.common.permissions import Permission, require
from backoffice.services.common.validation import FieldErrors
from fieldrules.child_file import DISEASES, DTP, ELEVEN_VACCINES_SINCE, RELATIONSHIPS, VACCINES

if TYPE_CHECKING:  # reportlab is imported when a form is drawn, not with this module
    from backoffice.documents.account_form_pdf import FormLayoutData

log = logging.getLogger(__name__)

FORM_VERSION = "1"
CHILD_SLOTS = 3
CONTACT_SLOTS = 2
FILE_NAME = "formulaire-inscription.pdf"
FORM_TOPIC = "document.account_form"  # the sync renders and pushes it (sync/push_documents)
FORM_ROLES = (Role.ADMIN, Role.DIRECTOR, Role.AGENT)
MAX_BYTES = 10 * 1024 * 1024

ALLERGY_FIELDS = {
    "asthme": "allergy_asthma",
    "alimentaire": "allergy_food",
    "medicament": "allergy_medication",
    "autre": "allergy_other",
}
HEALTH_FIELDS = {
    "lunettes": "wears_glasses",
    "lentilles": "wears_lenses",
    "appareil_dentaire": "dental_appliance",
    "appareil_auditif": "hearing_aid",
    "pai": "has_pai",
}
HEALTH_TEXTS = {
    "allergies_precision": "allergy_detail",
    "pai_precision": "pai_detail",
    "antecedents": "medical_history",
    "observations": "observations",
    "medecin_nom": "doctor_name",
    "medecin_telephone": "doctor_phone",
    "medecin_commune": "doctor_commune",
}


def _require_form_role(actor: Actor, session=None) -> None:
    require(
        session, actor, Permission.FAMILIES_EDIT, "traiter les formulaires d'ouverture de compte"
    )


# -- the blank form ----------------------------------------------------------------------


def _vaccines_in_order() -> list[tuple[str, str]]:
    first = [code for code in DTP]
    rest = [code for code in VACCINES if code not in first]
    return [(code, VACCINES[code]) for code in (*first, *rest)]


def layout_data(session: Session, actor: Actor) -> FormLayoutData:
    # reportlab (the form's module) only when a form is drawn, not when the dialog loads
    from backoffice.documents.account_form_pdf import ConsentLine, FormLayoutData

    """The form's header and questions, from the settings and the catalogue."""
    bind(session, actor)
    _require_form_role(actor)
    issuer = issuer_from_settings(session)
    consents = session.scalars(
        select(ConsentDefinition)
        .where(ConsentDefinition.active.is_(True))
        .order_by(ConsentDefinition.position, ConsentDefinition.id)
    ).all()
    born = f"{ELEVEN_VACCINES_SINCE:%d/%m/%Y}"
    return FormLayoutData(
        collectivity=issuer.name,
        address_lines=issuer.address_lines,
        phone=issuer.phone,
        email=issuer.email,
        child_slots=CHILD_SLOTS,
        contact_slots=CONTACT_SLOTS,
        vaccines=_vaccines_in_order(),
        compulsory_note=(
            f"Obligatoires : les {len(VACCINES)} vaccins pour un enfant né depuis le {born} ;"
            " diphtérie, tétanos et poliomyélite pour un enfant né avant."
        ),
        diseases=list(DISEASES.items()),
        consents=[ConsentLine(c.code, c.label, c.asks_detail) for c in consents],
        relationships=RELATIONSHIPS,
        version=FORM_VERSION,
    )


def blank_form(session: Session, actor: Actor) -> bytes:
    """The blank fillable form (PDF bytes)."""
    from backoffice.documents.account_form_pdf import render_account_form

    return render_account_form(layout_data(session, actor))


def publish_form(session: Session, actor: Actor) -> None:
    """Queue the blank form for the portal (``GET /documents/formulaire-inscription.pdf``,
    linked from its home page); the next sync round renders and sends it."""
    bind(session, actor)
    _require_form_role(actor)
    layout_data(session, actor)  # the form can be rendered: settings and catalogue read
    outbox.enqueue(session, FORM_TOPIC, {"name": FILE_NAME, "version": FORM_VERSION})


# -- reading a filled form ----------------------------------------------------------------


@dataclass
class MailedChild:
    """One child slot of the form, as written (raw texts)."""

    slot: int
    identity: dict[str, str] = field(default_factory=dict)  # first_name, last_name, sex…
    vaccines: dict[str, tuple[bool, str]] = field(default_factory=dict)  # code → (done, date)
    diseases: dict[str, bool] = field(default_factory=dict)
    flags: dict[str, bool] = field(default_factory=dict)  # MedicalForm boolean fields
    texts: dict[str, str] = field(default_factory=dict)  # MedicalForm text fields

    def has_medical(self) -> bool:
        return (
            any(done or text for done, text in self.vaccines.values())
            or any(self.diseases.values())
            or any(self.flags.values())
            or any(self.texts.values())
        )


@dataclass
class MailedContact:
    last_name: str = ""
    first_name: str = ""
    relationship: str = ""
    phone: str = ""
    emergency: bool = False
    pickup: bool = False


@dataclass
class MailedForm:
    """The whole form as the parents wrote it; nothing checked yet."""

    family: dict[str, str] = field(default_factory=dict)
    guardians: list[dict[str, str]] = field(default_factory=list)  # two, possibly blank
    payer: str = ""  # "r1", "r2" or ""
    scheme: str = ""  # "caf", "msa", "aucun" or ""
    allowance: dict[str, str] = field(default_factory=dict)  # number, quotient, from, to
    children: list[MailedChild] = field(default_factory=list)  # filled slots only
    contacts: list[MailedContact] = field(default_factory=list)
    consents: dict[str, tuple[bool | None, str]] = field(default_factory=dict)


def _value(raw: object) -> str:
    text = "" if raw is None else str(raw)
    return text.strip()


def _checked(raw: object) -> bool:
    text = _value(raw).lstrip("/")
    return bool(text) and text.lower() not in ("off", "no", "non", "false", "0")


def _choice(raw: object) -> str:
    return _value(raw).lstrip("/")


def read_fields(data: bytes) -> dict[str, object]:
    """The AcroForm values by field name; a French :class:`UserError` when it cannot."""
    from pypdf import PdfReader  # noqa: PLC0415 - pypdf is only needed when a form is read
    from pypdf.errors import PyPdfError  # noqa: PLC0415

    if len(data) > MAX_BYTES:
        raise UserError(f"Fichier trop volumineux pour un formulaire ({len(data) // 1024} Kio).")
    if not data.startswith(b"%PDF-"):
        raise UserError("Ce fichier n'est pas un PDF : choisissez le formulaire PDF rempli.")
    try:
        reader = PdfReader(BytesIO(data))
        if reader.is_encrypted:
            raise UserError("Ce PDF est protégé par un mot de passe : il ne peut pas être lu.")
        fields = reader.get_fields() or {}
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise UserError(f"Ce PDF n'a pas pu être lu ({exc.__class__.__name__}).") from exc
    values = {name: f.get("/V") for name, f in fields.items()}
    if "famille_nom" not in values or "r1_nom" not in values:
        raise UserError(
            "Ce PDF n'est pas le formulaire d'ouverture de compte du service enfance"
            " (aucun champ du formulaire) : un formulaire scanné se saisit à la main."
        )
    return values


def read_form(actor: Actor, data: bytes) -> MailedForm:
    """The filled form's values, raw, ready to be shown in the account dialog."""
    _require_form_role(actor)
    v = read_fields(data)

    def text(name: str) -> str:
        return _value(v.get(name))

    form = MailedForm(
        family={
            key: text(f"famille_{name}")
            for key, name in (
                ("family_name", "nom"),
                ("address_line1", "adresse"),
                ("address_line2", "complement"),
                ("postcode", "code_postal"),
                ("commune", "commune"),
                ("phone", "telephone"),
                ("login_email", "email"),
                ("billing_email", "email_facturation"),
            )
        },
        payer=_choice(v.get("payeur")),
        scheme=_choice(v.get("regime")),
        allowance={
            "number": text("allocataire_numero"),
            "quotient": text("qf"),
            "from": text("qf_du"),
            "to": text("qf_au"),
        },
    )
    for rank in (1, 2):
        p = f"r{rank}_"
        form.guardians.append(
            {
                key: text(p + name)
                for key, name in (
                    ("civility", "civilite"),
                    ("last_name", "nom"),
                    ("first_name", "prenom"),
                    ("relationship", "lien"),
                    ("mobile_phone", "portable"),
                    ("home_phone", "fixe"),
                    ("work_phone", "professionnel"),
                    ("email", "email"),
                    ("profession", "profession"),
                )
            }
        )
    for slot in range(1, CHILD_SLOTS + 1):
        p = f"e{slot}_"
        child = MailedChild(
            slot=slot,
            identity={
                "first_name": text(p + "prenom"),
                "last_name": text(p + "nom"),
                "sex": _choice(v.get(p + "sexe")),
                "birth_date": text(p + "naissance"),
                "school": text(p + "ecole"),
                "school_class": text(p + "classe"),
            },
        )
        for code in VACCINES:
            child.vaccines[code] = (
                _checked(v.get(f"{p}vaccin_{code}")),
                text(f"{p}vaccin_{code}_date"),
            )
        child.diseases = {code: _checked(v.get(f"{p}maladie_{code}")) for code in DISEASES}
        child.flags = {
            name: _checked(v.get(f"{p}allergie_{key}")) for key, name in ALLERGY_FIELDS.items()
        }
        child.flags.update({name: _checked(v.get(p + key)) for key, name in HEALTH_FIELDS.items()})
        child.texts = {name: text(p + key) for key, name in HEALTH_TEXTS.items()}
        if any(child.identity.values()) or child.has_medical():
            form.children.append(child)
    for slot in range(1, CONTACT_SLOTS + 1):
        p = f"p{slot}_"
        contact = MailedContact(
            last_name=text(p + "nom"),
            first_name=text(p + "prenom"),
            relationship=text(p + "lien"),
            phone=text(p + "telephone"),
            emergency=_checked(v.get(p + "urgence")),
            pickup=_checked(v.get(p + "recuperer")),
        )
        if contact.last_name or contact.first_name or contact.phone:
            form.contacts.append(contact)
    for name in v:
        if name.startswith("autorisation_") and not name.endswith("_precision"):
            code = name.removeprefix("autorisation_")
            answer = _choice(v.get(name)).lower()
            granted = True if answer == "oui" else False if answer == "non" else None
            form.consents[code] = (granted, text(f"{name}_precision"))
    return form


# -- the child-file blocks, once the family exists ----------------------------------------


def medical_form(child: MailedChild, today: date) -> tuple[MedicalForm, dict[str, str]]:
    """The fiche sanitaire as a :class:`MedicalForm`, and the dates that do not read
    (keyed ``vaccines.<code>``)."""
    errors: dict[str, str] = {}
    vaccines: dict[str, VaccineAnswer] = {}
    for code, (done, text) in child.vaccines.items():
        last: date | None = None
        if text:
            try:
                last = parse_french_date(text, today)
            except ValueError:
                errors[f"vaccines.{code}"] = date_error(
                    text, f"{VACCINES[code]}, enfant {child.slot}"
                )
        vaccines[code] = VaccineAnswer(done=done or last is not None, last_date=last)
    form = MedicalForm(vaccines=vaccines, diseases=dict(child.diseases))
    for flag, checked in child.flags.items():
        setattr(form, flag, checked)
    for name, value in child.texts.items():
        setattr(form, name, value)
    return form, errors


@dataclass
class ChildFilesResult:
    saved: list[str] = field(default_factory=list)  # what was saved, in French
    skipped: list[str] = field(default_factory=list)  # what was not, and why


def apply_child_files(
    session: Session, actor: Actor, family_id: int, mailed: MailedForm, today: date
) -> ChildFilesResult:
    """Save the form's fiches sanitaires, persons and consents on the family's children
    (matched in the form's order). Every block goes through its own service, so it is
    checked as if typed in the child's file; :class:`FieldErrors` rolls it all back."""
    bind(session, actor)
    _require_form_role(actor)
    result = ChildFilesResult()
    children = session.scalars(
        select(Child).where(Child.family_id == family_id).order_by(Child.id)
    ).all()
    filled = [c for c in mailed.children if any(c.identity.values())]
    errors: dict[str, str] = {}
    definitions = {
        d.code: d
        for d in session.scalars(
            select(ConsentDefinition).where(ConsentDefinition.active.is_(True))
        ).all()
    }
    person_ids: list[tuple[int, MailedContact]] = []
    for child, written in zip(children, filled, strict=False):
        if written.has_medical():
            if actor.sees_medical_data:
                form, date_errors = medical_form(written, today)
                errors.update(date_errors)
                if not date_errors:
                    try:
                        save_medical_record(session, actor, child.id, form, None, today)
                        result.saved.append(f"Fiche sanitaire de {child.first_name}")
                    except FieldErrors as exc:
                        errors.update(exc.errors)
            else:
                result.skipped.append(
                    f"Fiche sanitaire de {child.first_name} : à saisir par un directeur de site"
                    " (données de santé)."
                )
        choices = {
            definitions[code].id: ConsentChoice(granted, detail)
            for code, (granted, detail) in mailed.consents.items()
            if code in definitions and granted is not None
        }
        if choices:
            try:
                save_consents(session, actor, child.id, choices, child.version, today)
                result.saved.append(f"Autorisations de {child.first_name}")
            except FieldErrors as exc:
                errors.update(exc.errors)
        for index, contact in enumerate(mailed.contacts):
            roles = {
                "emergency_contact": contact.emergency or not contact.pickup,
                "authorised_pickup": contact.pickup,
            }
            try:
                if len(person_ids) <= index:
                    person = add_contact(
                        session,
                        actor,
                        child.id,
                        ContactForm(
                            last_name=contact.last_name,
                            first_name=contact.first_name,
                            relationship=contact.relationship,
                            phone1=contact.phone,
                        ),
                        **roles,
                    )
                    person_ids.append((person, contact))
                else:
                    link_contact(session, actor, child.id, person_ids[index][0], **roles)
            except FieldErrors as exc:
                errors.update(
                    {
                        f"contacts[{index}].{k}": f"Personne {index + 1} : {m}"
                        for k, m in exc.errors.items()
                    }
                )
        if mailed.contacts and not errors:
            result.saved.append(f"Personnes à prévenir de {child.first_name}")
    if errors:
        raise FieldErrors(errors)
    return result
