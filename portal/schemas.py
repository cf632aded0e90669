"""Request and response bodies: the HTTP contract shared with the back-office.

Text fields are bounded to what the tables hold. Mandatory fields of the child
form are checked by :mod:`portal.validation` (French messages naming the
field), not by pydantic, so that an empty and a missing field read the same.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from portal.reference import MAX_PERSONS

# No NUL character: PostgreSQL refuses them in text.
NO_NUL = r"^[^\x00]*$"


def bounded(max_length: int) -> StringConstraints:
    """Text stripped of surrounding blanks, at most ``max_length`` characters, no NUL."""
    return StringConstraints(strip_whitespace=True, max_length=max_length, pattern=NO_NUL)


Secret = Annotated[str, StringConstraints(max_length=256, pattern=NO_NUL)]

# Text of at most N characters (what the column behind it holds).
Text10 = Annotated[str, bounded(10)]
Text20 = Annotated[str, bounded(20)]
Text40 = Annotated[str, bounded(40)]
Text60 = Annotated[str, bounded(60)]
Text80 = Annotated[str, bounded(80)]
Text120 = Annotated[str, bounded(120)]
Text160 = Annotated[str, bounded(160)]
Text200 = Annotated[str, bounded(200)]
Text254 = Annotated[str, bounded(254)]
Text500 = Annotated[str, bounded(500)]
Text2000 = Annotated[str, bounded(2000)]

Name = Text80
Phone = Text20
Postcode = Annotated[str, bounded(5)]
Commune = Text80
Address = Text200
LongText = Text2000
Ref = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[\w.-]+$")
]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Message(Out):
    message: str


# --- family -----------------------------------------------------------------


class GuardianIn(In):
    rank: int = Field(ge=1, le=2)
    civility: Text10 = ""
    last_name: Name = ""
    first_name: Name = ""
    relationship_label: Text40 = ""
    is_payer: bool = False
    mobile_phone: Phone = ""
    home_phone: Phone = ""
    work_phone: Phone = ""
    email: Text254 = ""


class GuardianOut(Out):
    rank: int
    civility: str
    last_name: str
    first_name: str
    relationship_label: str
    is_payer: bool
    mobile_phone: str
    home_phone: str
    work_phone: str
    email: str


class GuardianContactUpdate(In):
    """What a parent may change of a guardian: how to reach them."""

    rank: int = Field(ge=1, le=2)
    mobile_phone: Phone = ""
    home_phone: Phone = ""
    work_phone: Phone = ""
    email: Text254 = ""


class FamilyOut(Out):
    ref: str
    name: str
    address_line1: str
    address_line2: str
    postcode: str
    commune: str
    phone: str
    billing_email: str
    guardians: list[GuardianOut]


class FamilyUpdate(In):
    """« Modifier les informations de la famille » (guide §4.4): address, phones, e-mails."""

    address_line1: Address = ""
    address_line2: Address = ""
    postcode: Postcode = ""
    commune: Commune = ""
    phone: Phone = ""
    billing_email: Text254 = ""
    guardians: list[GuardianContactUpdate] = Field(default_factory=list, max_length=2)


# --- child form ---------------------------------------------------------------


class ChildInformation(In):
    """Block 1 « Information Enfant »."""

    last_name: Name = ""
    first_name: Name = ""
    sex: Literal["F", "M", ""] = ""
    birth_date: date | None = None
    school: Text120 = ""
    school_class: Text20 = ""


class Vaccination(In):
    vaccine: Text40
    done: bool = False
    last_date: date | None = None


class Disease(In):
    disease: Text40
    had: bool = False


class Allergy(In):
    allergy: Text40
    present: bool = False
    detail: Text500 = ""


class MedicalRecord(In):
    """Block 2 « Renseignements médicaux »."""

    vaccinations: list[Vaccination] = Field(default_factory=list, max_length=30)
    diseases: list[Disease] = Field(default_factory=list, max_length=30)
    allergies: list[Allergy] = Field(default_factory=list, max_length=10)
    medical_history: LongText = ""
    observations: LongText = ""
    doctor_name: Text120 = ""
    doctor_phone: Phone = ""
    doctor_commune: Commune = ""


class Person(In):
    """A person to call in an emergency or allowed to pick the child up (blocks 3 and 4).

    ``person_ref`` identifies the person across edits (see :mod:`portal.persons`):
    send back the one read; leave it out for a new person.
    """

    person_ref: Ref | None = Field(
        default=None,
        description="Identifiant stable de la personne (donné par le portail ou le back-office).",
    )
    last_name: Name = ""
    first_name: Name = ""
    relationship_label: Text40 = ""
    address_line1: Address = ""
    postcode: Postcode = ""
    commune: Commune = ""
    phone1: Phone = ""
    phone2: Phone = ""


class Persons(In):
    persons: list[Person] = Field(default_factory=list, max_length=MAX_PERSONS)


class ConsentAnswer(In):
    code: Text40
    granted: bool
    detail: Text200 = ""


class Consents(In):
    """Block 5 « Autorisations »."""

    consents: list[ConsentAnswer] = Field(default_factory=list, max_length=50)


class ConsentQuestion(Out):
    code: str
    label: str
    mandatory: bool
    asks_detail: bool
    granted: bool | None
    detail: str


class ChildSummary(Out):
    ref: str
    first_name: str
    last_name: str
    birth_date: date | None


class ChildForm(Out):
    ref: str
    information: ChildInformation
    medical: MedicalRecord
    emergency_contacts: list[Person]
    authorised_pickups: list[Person]
    consents: list[ConsentQuestion]


# --- staff side ---------------------------------------------------------------


class ChildPush(In):
    ref: Ref
    information: ChildInformation
    medical: MedicalRecord | None = None
    emergency_contacts: list[Person] | None = Field(default=None, max_length=MAX_PERSONS)
    authorised_pickups: list[Person] | None = Field(default=None, max_length=MAX_PERSONS)
    consents: list[ConsentAnswer] | None = Field(default=None, max_length=50)


class FamilyPush(In):
    """A family account as the back-office holds it (create or update)."""

    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120, pattern=NO_NUL)
    ]
    login_email: EmailStr
    address_line1: Address = ""
    address_line2: Address = ""
    postcode: Postcode = ""
    commune: Commune = ""
    phone: Phone = ""
    billing_email: Text254 = ""
    guardians: list[GuardianIn] = Field(default_factory=list, max_length=2)
    children: list[ChildPush] = Field(default_factory=list, max_length=20)
    send_activation: bool = Field(
        default=True, description="Envoyer le courriel d'activation à la création du compte."
    )


class FamilyPushResult(Out):
    family_ref: str
    created: bool
    account_state: str
    activation_email_sent: bool


class AccountOut(Out):
    login_email: str
    pending_login_email: str | None
    state: str


class StaffFamilyOut(Out):
    family: FamilyOut
    account: AccountOut
    children: list[ChildForm]


class ConsentDefinitionIn(In):
    code: Ref
    label: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=160, pattern=NO_NUL)
    ]
    mandatory: bool = True
    asks_detail: bool = False
    position: int = Field(default=0, ge=0, le=10_000)
    active: bool = True
    min_age_years: int | None = Field(
        default=None,
        ge=0,
        le=25,
        description="Âge (ans) à partir duquel l'autorisation est demandée ; absent : à tout âge.",
    )


class ConsentDefinitions(In):
    definitions: list[ConsentDefinitionIn] = Field(max_length=100)


class ChangeOut(Out):
    seq: int
    at: datetime
    family_ref: str
    child_ref: str | None
    kind: str
    data: dict[str, Any]


class ChangesPage(Out):
    changes: list[ChangeOut]
    last_seq: int = Field(description="Numéro à repasser dans `after` pour la suite.")
    has_more: bool


# --- parent auth ----------------------------------------------------------------


class LinkToken(In):
    token: Text200


class SetPassword(In):
    token: Text200
    password: Secret
    password_confirmation: Secret


class LoginIn(In):
    login: Text254
    password: Secret


class TokenOut(Out):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Durée de validité en secondes.")


class ForgottenIn(In):
    email: Text254


class LoginEmailChange(In):
    new_email: Text254
    password: Secret


class PasswordChange(In):
    current_password: Secret
    new_password: Secret
    new_password_confirmation: Secret


class StaffLoginEmailChange(In):
    new_login_email: EmailStr


class StaffLoginEmailChangeResult(Out):
    message: str
    login_email: str
    pending_login_email: str
    sent_to: str


class MeOut(Out):
    account: AccountOut
    family: FamilyOut
